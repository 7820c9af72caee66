/**
 * Request validation of the Anthropic fake, written from the Messages API reference: a zod
 * schema of the body (unknown top-level fields answer "<field>: Extra inputs are not permitted",
 * missing required ones "<field>: Field required"), then the conversation rules the API
 * enforces (first turn from the user, alternating roles, no `system` role under 2023-06-01,
 * non-empty content and text, tool_use/tool_result pairing, `tool_choice` only with `tools`,
 * thinking blocks signed by this fake and only in assistant turns).
 */
import { z } from 'zod';
import { validRedactedData, validSignature } from '../thinking.js';

const cacheControl = z.strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() });
const base64Image = z.strictObject({ type: z.literal('base64'), media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']), data: z.string().min(1) });
const urlSource = z.strictObject({ type: z.literal('url'), url: z.string().url() });
const textBlock = z.strictObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl.nullish(), citations: z.array(z.unknown()).nullish() });
const imageBlock = z.strictObject({ type: z.literal('image'), source: z.discriminatedUnion('type', [base64Image, urlSource]), cache_control: cacheControl.nullish() });
const documentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string().min(1) }),
    z.strictObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() }),
    urlSource,
  ]),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.unknown().optional(),
  cache_control: cacheControl.nullish(),
});
const toolUseBlock = z.strictObject({ type: z.literal('tool_use'), id: z.string().regex(/^[a-zA-Z0-9_-]+$/), name: z.string().min(1), input: z.record(z.string(), z.unknown()), cache_control: cacheControl.nullish() });
const toolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().regex(/^[a-zA-Z0-9_-]+$/),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl.nullish(),
});
const thinkingBlock = z.strictObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
const redactedThinkingBlock = z.strictObject({ type: z.literal('redacted_thinking'), data: z.string() });
const block = z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock]);
const message = z.strictObject({ role: z.enum(['user', 'assistant', 'system']), content: z.union([z.string(), z.array(block)]) });
const customTool = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
  cache_control: cacheControl.nullish(),
  type: z.literal('custom').nullish(),
  strict: z.boolean().optional(),
});
/**
 * A server tool (web search, web fetch, code execution, …: `type` names it with its version
 * date). Accepted; the fake never runs one (it answers as if Claude chose not to use it).
 */
const serverTool = z.looseObject({
  type: z.string().regex(/^[a-z_]+_\d{8}$/),
  name: z.string().min(1),
  cache_control: cacheControl.nullish(),
});
const tool = z.union([customTool, serverTool]);
const toolChoice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('none') }),
]);

/** The Messages request body the fake accepts. */
export const messagesRequestSchema = z.strictObject({
  model: z.string().min(1),
  messages: z.array(message),
  max_tokens: z.number().int().min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.strictObject({ user_id: z.string().max(256).nullish() }).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  stream: z.boolean().optional(),
  thinking: z.union([
    z.strictObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024) }),
    z.strictObject({ type: z.literal('disabled') }),
    z.strictObject({ type: z.literal('adaptive') }),
  ]).optional(),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
  container: z.string().nullish(),
  mcp_servers: z.array(z.unknown()).optional(),
  inference_geo: z.string().nullish(),
  output_config: z.looseObject({}).optional(),
  cache_control: cacheControl.nullish(),
});

/** A validated Messages request. */
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** Outcome of {@link validateMessagesRequest}: the request, or the API's 400 message. */
export type Validation = { ok: true; req: MessagesRequest } | { ok: false; message: string };

function zodMessage(err: z.ZodError): string {
  const issue = err.issues[0];
  if (issue === undefined) return 'Invalid request';
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') return `${[...issue.path.map(String), issue.keys[0] ?? ''].join('.')}: Extra inputs are not permitted`;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${path}: Field required`;
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

/**
 * Validates a parsed body for API version `version` (`2026-10-21` allows `role: "system"`
 * turns; the others do not).
 */
export function validateMessagesRequest(body: unknown, version: string): Validation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, message: 'Input should be a valid dictionary' };
  const parsed = messagesRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, message: zodMessage(parsed.error) };
  const req = parsed.data;
  const fail = (message: string): Validation => ({ ok: false, message });
  const systemTurns = version === '2026-10-21';
  const turns = req.messages.map((m, i) => ({ m, i })).filter(({ m }) => m.role !== 'system');
  if (!systemTurns && req.messages.some((m) => m.role === 'system')) {
    return fail('messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.');
  }
  if (req.thinking?.type === 'enabled' && req.max_tokens <= req.thinking.budget_tokens) {
    return fail('`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size');
  }
  if (req.thinking !== undefined && req.thinking.type !== 'disabled' && req.temperature !== undefined && req.temperature !== 1) {
    return fail('`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility');
  }
  const thinkingOn = req.thinking !== undefined && req.thinking.type !== 'disabled';
  // With thinking on, the current assistant turn (a tool loop is one turn: everything after the
  // last user message that is not only tool results) must start with its thinking block.
  const lastUser = turns.findLastIndex(({ m }) => m.role === 'user' && (typeof m.content === 'string' || m.content.some((b) => b.type !== 'tool_result')));
  const current = turns.slice(lastUser + 1);
  const opening = current.find(({ m }) => m.role === 'assistant');
  if (thinkingOn && opening && typeof opening.m.content !== 'string' && current.some(({ m }) => typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_use'))) {
    const first = opening.m.content[0]?.type;
    if (first !== 'thinking' && first !== 'redacted_thinking') {
      return fail(
        `messages.${opening.i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
      );
    }
  }
  // With thinking off, a final (prefilled) assistant message cannot hold thinking.
  const last = turns.at(-1);
  if (!thinkingOn && last?.m.role === 'assistant' && typeof last.m.content !== 'string') {
    const j = last.m.content.findIndex((b) => b.type === 'thinking' || b.type === 'redacted_thinking');
    if (j >= 0) return fail(`messages.${last.i}.content.${j}: When thinking is disabled, an \`assistant\` message in the final position cannot contain \`thinking\`. Please either enable thinking or remove the thinking blocks.`);
  }
  if (turns.length === 0) return fail('messages: at least one message is required');
  if (turns[0]?.m.role !== 'user') return fail('messages: first message must use the "user" role');
  for (let k = 1; k < turns.length; k++) {
    const role = turns[k]?.m.role;
    if (role === turns[k - 1]?.m.role) return fail(`messages: roles must alternate between "user" and "assistant", but found multiple "${String(role)}" roles in a row`);
  }
  for (const [k, { m, i }] of turns.entries()) {
    const blocks = typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content;
    const isFinalAssistant = k === turns.length - 1 && m.role === 'assistant';
    if (!isFinalAssistant && (blocks.length === 0 || (typeof m.content === 'string' && m.content === ''))) {
      return fail(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
    for (const [j, b] of blocks.entries()) {
      if (b.type === 'text' && b.text === '' && !isFinalAssistant) return fail('messages: text content blocks must be non-empty');
      if (b.type === 'thinking' && !validSignature(b.thinking, b.signature)) return fail(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
      if (b.type === 'redacted_thinking' && !validRedactedData(b.data)) return fail(`messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`);
      if ((b.type === 'thinking' || b.type === 'redacted_thinking') && m.role !== 'assistant') {
        return fail(`messages.${i}.content.${j}: \`${b.type}\` blocks may only appear in assistant messages`);
      }
      if (b.type === 'tool_use' && m.role !== 'assistant') return fail(`messages.${i}.content.${j}: tool_use blocks may only appear in assistant messages`);
      if (b.type === 'tool_result' && m.role !== 'user') return fail(`messages.${i}.content.${j}: tool_result blocks may only appear in user messages`);
      if (b.type === 'tool_result' && Array.isArray(b.content)) {
        const k = b.content.findIndex((c) => c.cache_control !== undefined && c.cache_control !== null);
        if (k >= 0) {
          return fail(`messages.${i}.content.${j}.tool_result.content.${k}.cache_control: cache_control may not be specified within \`tool_result.content\`. Instead, place it directly on \`tool_result\``);
        }
      }
    }
    // tool_use ↔ tool_result pairing with the neighbouring turns
    const prev = k > 0 ? turns[k - 1]?.m : undefined;
    const prevUses = new Set(prev && typeof prev.content !== 'string' ? prev.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])) : []);
    for (const [j, b] of blocks.entries()) {
      if (b.type === 'tool_result' && !prevUses.has(b.tool_use_id)) {
        return fail(`messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`);
      }
    }
    const uses = blocks.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
    const next = turns[k + 1]?.m;
    if (uses.length > 0 && next !== undefined) {
      const results = new Set(typeof next.content === 'string' ? [] : next.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])));
      const missing = uses.filter((id) => !results.has(id));
      if (missing.length > 0) {
        return fail(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`);
      }
    }
  }
  if (req.tool_choice !== undefined && (req.tools === undefined || req.tools.length === 0) && req.tool_choice.type !== 'none') {
    return fail('tool_choice: tool_choice may only be specified while providing tools');
  }
  if (req.tool_choice?.type === 'tool' && !req.tools?.some((t) => t.name === (req.tool_choice as { name: string }).name)) {
    return fail(`tool_choice.name: Tool '${req.tool_choice.name}' not found in provided tools`);
  }
  return { ok: true, req };
}
