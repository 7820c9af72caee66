/**
 * Claude's Messages format on Bedrock (InvokeModel / InvokeModelWithResponseStream of an
 * `anthropic.` model): the body is the Messages API's without `model` (the path names it) and
 * with `anthropic_version: "bedrock-2023-05-31"` (and `anthropic_beta`, a list, optionally);
 * the answer is the API's message, or its events, each in one `chunk` of the event stream
 * (`{bytes: <base64 of the event's JSON>}`). Fields and betas Bedrock does not take are refused
 * (extraneous key, invalid beta flag); the rest is the Anthropic fake's validation, so this fake
 * refuses what Claude refuses (thinking signatures included); errors are Bedrock's
 * ValidationException. The final `message_stop` carries `amazon-bedrock-invocationMetrics`.
 */
import { DEFAULT_ANTHROPIC_BEHAVIOUR } from '../anthropic/behaviour.js';
import { messageBody, planAnswer, streamEvents } from '../anthropic/answer.js';
import { validateMessagesRequest } from '../anthropic/validate.js';
import type { BedrockFakeBehaviour } from './behaviour.js';

/** The `anthropic_version` Bedrock wants in Claude's body. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** Whether a model id is Claude's (served in the Messages format by InvokeModel). */
export function isClaudeModel(modelId: string): boolean {
  return modelId.includes('anthropic.');
}

type Json = Record<string, unknown>;

/** The body fields Bedrock's Claude Messages API takes besides `anthropic_version` / `anthropic_beta` (its reference page). */
const FIELDS = new Set(['max_tokens', 'messages', 'system', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'tools', 'tool_choice', 'thinking']);

/** The betas Bedrock documents for Claude; any other is an "invalid beta flag". */
const BETA = /^(computer-use|token-efficient-tools|interleaved-thinking|output-128k|dev-full-thinking|context-1m|context-management|effort|tool-search-tool|tool-examples|fine-grained-tool-streaming)-\d{4}-\d{2}-\d{2}$/;

/** The answer to one Claude InvokeModel call, or the ValidationException message. */
export type ClaudeInvoke = { ok: true; message: string; events: Json[] } | { ok: false; message: string };

/** Validates a Claude InvokeModel body and plans its answer (`b.text` / `b.echo` as the Anthropic fake's content / echo). */
export function claudeInvoke(modelId: string, json: unknown, b: BedrockFakeBehaviour): ClaudeInvoke {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, message: 'Malformed input request: expected an object' };
  const { anthropic_version: version, anthropic_beta: betas, ...rest } = json as Json;
  if (version !== BEDROCK_ANTHROPIC_VERSION) return { ok: false, message: `Malformed input request: #: required key [anthropic_version] not found or not "${BEDROCK_ANTHROPIC_VERSION}"` };
  if (betas !== undefined && !(Array.isArray(betas) && betas.every((x) => typeof x === 'string'))) return { ok: false, message: 'Malformed input request: #/anthropic_beta: expected a list of strings' };
  for (const k of Object.keys(rest)) if (!FIELDS.has(k)) return { ok: false, message: `Malformed input request: #: extraneous key [${k}] is not permitted` };
  const bad = (betas as string[] | undefined)?.find((x) => !BETA.test(x));
  if (bad !== undefined) return { ok: false, message: `invalid beta flag: ${bad}` };
  const v = validateMessagesRequest({ ...rest, model: modelId }, '2023-06-01');
  if (!v.ok) return { ok: false, message: v.message };
  const plan = planAnswer(v.req, { ...DEFAULT_ANTHROPIC_BEHAVIOUR, content: b.text, echo: b.echo });
  const s = streamEvents(plan);
  // the SSE texts of the Anthropic fake, back to their JSON (each is `event: …\ndata: {…}\n\n`)
  const events = [...s.head, ...s.deltas, ...s.tail].map((sse) => JSON.parse(sse.slice(sse.indexOf('data: ') + 6)) as Json);
  const stop = events.at(-1);
  if (stop?.type === 'message_stop') {
    stop['amazon-bedrock-invocationMetrics'] = { inputTokenCount: plan.inputTokens, outputTokenCount: plan.outputTokens, invocationLatency: 1, firstByteLatency: 1 };
  }
  return { ok: true, message: messageBody(plan), events };
}
