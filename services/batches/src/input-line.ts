import { z } from 'zod';
import { BATCH_ENDPOINTS, type BatchEndpoint, type BatchError, type FileLine } from '@switchyard/core';
import { parseChatBody } from '@switchyard/api';

/** Longest accepted `custom_id`, characters. */
export const MAX_CUSTOM_ID_LENGTH = 512;

/** One line of a batch input file, as OpenAI defines it. */
export const InputLineSchema = z.object({
  custom_id: z.string().min(1).max(MAX_CUSTOM_ID_LENGTH),
  method: z.string(),
  url: z.string(),
  body: z.record(z.string(), z.unknown()),
});
export type InputLine = z.infer<typeof InputLineSchema>;

/** Checks the model of a line (resolves it to a group); throws a `SwitchyardError` when unknown. */
export type ModelCheck = (model: string) => void;

const err = (line: number, code: string, message: string, param: string | null = null): BatchError => ({ code, message, param, line });

/**
 * Parses and checks one input line against the batch's endpoint: valid JSON, a `custom_id`,
 * method POST, a known url equal to `endpoint`, and a body the endpoint accepts (chat bodies
 * with the API's own schema and a known model). Returns the line or the problem, with its line
 * number, in the codes OpenAI reports in `errors.data`.
 */
export function checkInputLine(l: FileLine, endpoint: BatchEndpoint, checkModel: ModelCheck): { ok: InputLine } | { error: BatchError } {
  let raw: unknown;
  try {
    raw = JSON.parse(l.text);
  } catch {
    return { error: err(l.line, 'invalid_json_line', `Line ${l.line} is not valid JSON.`) };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { error: err(l.line, 'invalid_json_line', `Line ${l.line} is not a JSON object.`) };
  }
  const o = raw as Record<string, unknown>;
  if (typeof o.custom_id !== 'string' || o.custom_id.length === 0) {
    return { error: err(l.line, 'missing_required_parameter', `Line ${l.line} has no custom_id (a non-empty string).`, 'custom_id') };
  }
  if (o.custom_id.length > MAX_CUSTOM_ID_LENGTH) {
    return { error: err(l.line, 'invalid_custom_id', `Line ${l.line}: custom_id is longer than ${MAX_CUSTOM_ID_LENGTH} characters.`, 'custom_id') };
  }
  if (o.method !== 'POST') return { error: err(l.line, 'invalid_method', `Line ${l.line}: method must be "POST".`, 'method') };
  if (typeof o.url !== 'string' || !(BATCH_ENDPOINTS as readonly string[]).includes(o.url)) {
    return { error: err(l.line, 'invalid_url', `Line ${l.line}: url must be one of ${BATCH_ENDPOINTS.join(', ')}.`, 'url') };
  }
  if (o.url !== endpoint) {
    return {
      error: err(l.line, 'mismatched_endpoint', `Line ${l.line}: url ${o.url} does not match the batch's endpoint ${endpoint}.`, 'url'),
    };
  }
  const parsed = InputLineSchema.safeParse(o);
  if (!parsed.success) return { error: err(l.line, 'missing_required_parameter', `Line ${l.line}: body must be a JSON object.`, 'body') };
  const body = parsed.data.body;
  try {
    if (endpoint === '/v1/chat/completions') {
      parseChatBody(body, 'body');
    } else if (typeof body.model !== 'string' || body.input === undefined) {
      return { error: err(l.line, 'missing_required_parameter', `Line ${l.line}: an embeddings body needs model and input.`, 'body') };
    }
    checkModel(String(body.model));
  } catch (e) {
    const x = e as { message?: string; code?: string | null; param?: string | null };
    const param = x.param ? (x.param.startsWith('body') ? x.param : `body.${x.param}`) : 'body';
    return { error: err(l.line, x.code ?? 'invalid_request', `Line ${l.line}: ${x.message ?? 'invalid body'}`, param) };
  }
  return { ok: parsed.data };
}
