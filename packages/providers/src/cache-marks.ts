/**
 * Anthropic's prompt-caching marks (`cache_control`) in an OpenAI-format body (LiteLLM's
 * convention: on content parts, messages and tools; `/v1/messages` keeps them there). Claude
 * reads them (the Anthropic translation keeps them, Bedrock turns them into cache points);
 * OpenAI-compatible servers do not know them, and strict ones refuse the request.
 */

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function unmarked<T>(v: T): T {
  if (!isRecord(v) || !('cache_control' in v)) return v;
  const { cache_control: _dropped, ...rest } = v;
  return rest as T;
}

function hasMark(v: unknown): boolean {
  return isRecord(v) && 'cache_control' in v;
}

/**
 * Removes every `cache_control` mark from a body (changes `body`, copies the messages, parts and
 * tools it changes): on messages, on their content parts, and on tools. A body without marks is
 * left as it is.
 */
export function dropCacheMarks(body: Json): void {
  if (Array.isArray(body.tools) && body.tools.some(hasMark)) body.tools = body.tools.map(unmarked);
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  const marked = (m: unknown): boolean => hasMark(m) || (isRecord(m) && Array.isArray(m.content) && m.content.some(hasMark));
  if (!messages.some(marked)) return;
  body.messages = messages.map((m: unknown) => {
    if (!marked(m)) return m;
    const out = unmarked(m) as Json;
    if (Array.isArray(out.content)) out.content = out.content.map(unmarked);
    return out;
  });
}
