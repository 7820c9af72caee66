import { Router } from 'express';
import type { SwitchyardConfig } from '@switchyard/config';

/** `GET /v1/models`: every model group and alias, OpenAI list format. */
export function modelRoutes(config: SwitchyardConfig): Router {
  const router = Router();
  const data = [
    ...[...config.groups.keys()].map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard' })),
    ...Object.keys(config.router.modelGroupAlias)
      .filter((a) => !config.groups.has(a))
      .map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard' })),
  ];
  const handler = (_req: unknown, res: import('express').Response): void => {
    res.json({ object: 'list', data });
  };
  router.get('/v1/models', handler);
  router.get('/models', handler);
  return router;
}
