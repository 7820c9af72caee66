/**
 * Anthropic-only fields an OpenAI-format body may carry (LiteLLM's conventions, and what
 * `/v1/messages` keeps when it translates): Claude's `thinking_blocks` on assistant messages, the
 * prompt-caching marks `cache_control` on messages, content parts and tools, and the top-level
 * `thinking` parameter. Claude's adapters read them; OpenAI-compatible servers do not know them,
 * and strict ones refuse the request.
 */

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of `v` without `keys`, or `v` itself when it has none of them. */
function without<T>(v: T, keys: readonly string[]): T {
  if (!isRecord(v) || !keys.some((k) => k in v)) return v;
  const out: Json = { ...v };
  for (const k of keys) delete out[k];
  return out as T;
}

const MESSAGE_KEYS = ['thinking_blocks', 'cache_control'] as const;
const MARK = ['cache_control'] as const;

/** Whether a message carries anything {@link dropAnthropicOnlyFields} removes. */
function carries(m: unknown): boolean {
  return isRecord(m) && (MESSAGE_KEYS.some((k) => k in m) || (Array.isArray(m.content) && m.content.some((p) => isRecord(p) && 'cache_control' in p)));
}

/**
 * Removes the Anthropic-only fields from a body bound for an OpenAI-compatible server (changes
 * `body`, copies the messages, parts and tools it changes; a body without them is left as it
 * is): every message's `thinking_blocks` and `cache_control`, its parts' `cache_control`, the
 * tools' `cache_control`, and `thinking` when `thinking` is true (the caller decides: a server's
 * own `thinking` may be meant for it).
 */
export function dropAnthropicOnlyFields(body: Json, opts: { thinking: boolean }): void {
  if (opts.thinking) delete body.thinking;
  if (Array.isArray(body.tools) && body.tools.some((t) => isRecord(t) && 'cache_control' in t)) body.tools = body.tools.map((t: unknown) => without(t, MARK));
  const messages = body.messages;
  if (!Array.isArray(messages) || !messages.some(carries)) return;
  body.messages = messages.map((m: unknown) => {
    if (!carries(m)) return m;
    const out = without(m, MESSAGE_KEYS) as Json;
    if (Array.isArray(out.content)) out.content = out.content.map((p: unknown) => without(p, MARK));
    return out;
  });
}
