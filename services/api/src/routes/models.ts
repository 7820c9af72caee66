import { Router, type Request, type Response } from 'express';
import type { SwitchyardConfig } from '@switchyard/config';
import { ModelNotFoundError } from '@switchyard/core';
import { isAnthropicClient } from '../anthropic-errors.js';

/** `created_at` of the Anthropic-shaped model objects (RFC 3339; model groups have no date). */
const EPOCH = new Date(0).toISOString();

/**
 * `GET /v1/models` and `GET /v1/models/{model}`: every model group and alias, in OpenAI's list
 * and model format (`{id, object: "model", created, owned_by}`), or in Anthropic's
 * (`{type: "model", id, display_name, created_at}`, a list with `has_more`, `first_id`,
 * `last_id`) when the request carries `anthropic-version`. An unknown model is a 404
 * `model_not_found` (Anthropic clients get the Anthropic error shape from the messages routes'
 * error handler).
 */
export function modelRoutes(config: SwitchyardConfig): Router {
  const router = Router();
  const ids = [...config.groups.keys(), ...Object.keys(config.router.modelGroupAlias).filter((a) => !config.groups.has(a))];
  const known = new Set(ids);
  const openai = (id: string) => ({ id, object: 'model', created: 0, owned_by: 'switchyard' });
  const anthropic = (id: string) => ({ type: 'model', id, display_name: id, created_at: EPOCH });
  const list = (req: Request, res: Response): void => {
    if (isAnthropicClient(req)) {
      res.json({ data: ids.map(anthropic), has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null });
      return;
    }
    res.json({ object: 'list', data: ids.map(openai) });
  };
  router.get(['/v1/models', '/models'], list);
  // Model names may contain slashes (`openai/gpt-4o`): the rest of the path is the id.
  router.get(['/v1/models/*model', '/models/*model'], (req, res) => {
    const parts = (req.params as { model?: string[] | string }).model;
    const id = Array.isArray(parts) ? parts.join('/') : String(parts ?? '');
    if (!known.has(id)) throw new ModelNotFoundError(id, ids);
    res.json(isAnthropicClient(req) ? anthropic(id) : openai(id));
  });
  return router;
}
