/**
 * The Converse / ConverseStream request body as the Bedrock API reference defines it (the
 * fields of `ConverseRequest` sent in the body; `modelId` is in the path), validated with zod:
 * unknown fields, blank text, malformed images, a conversation that does not start with a user
 * message or whose roles do not alternate, tool blocks without a `toolConfig`, tool results
 * that answer no preceding tool use and out-of-range inference parameters are rejected with the
 * ValidationException messages the real service sends.
 */
import { z } from 'zod';
import { validRedactedData, validSignature } from '../thinking.js';

const text = z.string().refine((s) => s.trim() !== '', {
  message: 'The text field in the ContentBlock object is blank. Add text to the text field, and try again.',
});
const base64 = z
  .string()
  .min(1)
  .refine((s) => /^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0, { message: 'Invalid base64 image bytes.' });

const image = z.strictObject({
  format: z.enum(['png', 'jpeg', 'gif', 'webp']),
  source: z.union([z.strictObject({ bytes: base64 }), z.strictObject({ s3Location: z.strictObject({ uri: z.string(), bucketOwner: z.string().optional() }) })]),
});
const document = z.strictObject({
  format: z.enum(['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md']),
  name: z.string().min(1),
  source: z.strictObject({ bytes: base64 }),
});
const cachePoint = z.strictObject({ type: z.literal('default') });
const toolName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { message: 'Tool names must match [a-zA-Z0-9_-]+ (at most 64 characters).' });

const toolResultContent = z.union([
  z.strictObject({ text: z.string() }),
  z.strictObject({ json: z.unknown() }),
  z.strictObject({ image }),
  z.strictObject({ document }),
]);

const contentBlock = z.union([
  z.strictObject({ text }),
  z.strictObject({ image }),
  z.strictObject({ document }),
  z.strictObject({ toolUse: z.strictObject({ toolUseId: z.string().min(1), name: toolName, input: z.unknown() }) }),
  z.strictObject({
    toolResult: z.strictObject({
      toolUseId: z.string().min(1),
      content: z.array(toolResultContent).min(1),
      status: z.enum(['success', 'error']).optional(),
    }),
  }),
  z.strictObject({ cachePoint }),
  z.strictObject({ reasoningContent: z.unknown() }),
  z.strictObject({ guardContent: z.unknown() }),
]);

const message = z.strictObject({ role: z.enum(['user', 'assistant']), content: z.array(contentBlock).min(1) });

const systemBlock = z.union([z.strictObject({ text }), z.strictObject({ cachePoint }), z.strictObject({ guardContent: z.unknown() })]);

const tool = z.union([
  z.strictObject({
    toolSpec: z.strictObject({
      name: toolName,
      description: z.string().min(1).optional(),
      inputSchema: z.strictObject({ json: z.record(z.string(), z.unknown()) }),
      strict: z.boolean().optional(),
    }),
  }),
  z.strictObject({ cachePoint }),
]);

const toolChoice = z.union([
  z.strictObject({ auto: z.strictObject({}) }),
  z.strictObject({ any: z.strictObject({}) }),
  z.strictObject({ tool: z.strictObject({ name: toolName }) }),
]);

/** The body of `POST /model/{modelId}/converse` and `/converse-stream`. */
export const converseBodySchema = z
  .strictObject({
    messages: z.array(message).min(1),
    system: z.array(systemBlock).optional(),
    inferenceConfig: z
      .strictObject({
        maxTokens: z.number().int().min(1).optional(),
        temperature: z.number().min(0).max(1).optional(),
        topP: z.number().min(0).max(1).optional(),
        stopSequences: z.array(z.string().min(1)).max(2500).optional(),
      })
      .optional(),
    toolConfig: z.strictObject({ tools: z.array(tool).min(1), toolChoice: toolChoice.optional() }).optional(),
    guardrailConfig: z.record(z.string(), z.unknown()).optional(),
    additionalModelRequestFields: z.record(z.string(), z.unknown()).optional(),
    promptVariables: z.record(z.string(), z.unknown()).optional(),
    additionalModelResponseFieldPaths: z.array(z.string()).optional(),
    requestMetadata: z.record(z.string(), z.string()).optional(),
    performanceConfig: z.strictObject({ latency: z.enum(['standard', 'optimized']) }).optional(),
    serviceTier: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((body, ctx) => {
    const first = body.messages[0];
    if (first && first.role !== 'user') {
      ctx.addIssue({ code: 'custom', message: 'A conversation must start with a user message. Try again with a conversation that starts with a user message.' });
      return;
    }
    for (let i = 1; i < body.messages.length; i++) {
      if (body.messages[i]?.role === body.messages[i - 1]?.role) {
        ctx.addIssue({
          code: 'custom',
          message: 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
        });
        return;
      }
    }
    let toolBlocks = false;
    for (let i = 0; i < body.messages.length; i++) {
      const m = body.messages[i];
      for (const [j, b] of (m?.content ?? []).entries()) {
        if ('reasoningContent' in b && !signedByClaude(b.reasoningContent)) {
          ctx.addIssue({ code: 'custom', message: `The model returned the following errors: messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block` });
          return;
        }
        if ('toolUse' in b) toolBlocks = true;
        if ('toolResult' in b) {
          toolBlocks = true;
          const prev = body.messages[i - 1];
          const ids = new Set((prev?.content ?? []).flatMap((p) => ('toolUse' in p ? [p.toolUse.toolUseId] : [])));
          if (!ids.has(b.toolResult.toolUseId)) {
            ctx.addIssue({
              code: 'custom',
              message: `messages.${i}.content: unexpected tool_use_id found in tool_result blocks: ${b.toolResult.toolUseId}. Each tool_result block must have a corresponding tool_use block in the previous message.`,
            });
            return;
          }
        }
      }
    }
    const claudeTurn = openingWithoutThinking(body);
    if (claudeTurn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `The model returned the following errors: messages.${claudeTurn}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found another block. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`.`,
      });
      return;
    }
    if (toolBlocks && !body.toolConfig) {
      ctx.addIssue({ code: 'custom', message: 'The toolConfig field must be defined when using toolUse and toolResult content blocks.' });
    }
  });

type Body = { messages: Array<{ role: string; content: Array<Record<string, unknown>> }>; additionalModelRequestFields?: Record<string, unknown> | undefined };

/**
 * Claude's rule with thinking on (`additionalModelRequestFields.thinking` enabled or adaptive):
 * the current turn (after the last user message that is not only tool results; a tool loop is
 * one turn) must start with reasoning when it used tools. The index of the offending assistant
 * message, else undefined.
 */
function openingWithoutThinking(body: Body): number | undefined {
  const t = body.additionalModelRequestFields?.thinking as { type?: unknown } | undefined;
  if (t?.type !== 'enabled' && t?.type !== 'adaptive') return undefined;
  const ms = body.messages;
  let start = 0;
  for (let i = ms.length - 1; i >= 0; i--) {
    if (ms[i]?.role === 'user' && ms[i]?.content.some((b) => !('toolResult' in b))) {
      start = i + 1;
      break;
    }
  }
  const opening = ms.findIndex((m, i) => i >= start && m.role === 'assistant');
  if (opening < 0) return undefined;
  const usedTools = ms.slice(start).some((m) => m.content.some((b) => 'toolUse' in b));
  return usedTools && !('reasoningContent' in (ms[opening]?.content[0] ?? {})) ? opening : undefined;
}

/**
 * Whether a `reasoningContent` block sent back is Claude's (here: this process's) and unchanged:
 * `reasoningText` with its signature, or `redactedContent` (base64 in JSON) it issued.
 */
function signedByClaude(r: unknown): boolean {
  if (typeof r !== 'object' || r === null) return false;
  const { reasoningText, redactedContent } = r as { reasoningText?: { text?: unknown; signature?: unknown }; redactedContent?: unknown };
  if (typeof redactedContent === 'string') return validRedactedData(redactedContent);
  return typeof reasoningText?.text === 'string' && typeof reasoningText.signature === 'string' && validSignature(reasoningText.text, reasoningText.signature);
}

/** A validated Converse body. */
export type ConverseBody = z.infer<typeof converseBodySchema>;

/** Validates a parsed JSON body; the error is the ValidationException message. */
export function parseConverseBody(json: unknown): { ok: true; body: ConverseBody } | { ok: false; message: string } {
  const r = converseBodySchema.safeParse(json);
  if (r.success) return { ok: true, body: r.data };
  const issue = r.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
  const msg = issue?.code === 'unrecognized_keys' ? `Malformed input request: extraneous key [${issue.keys.join(', ')}] is not permitted${at}` : `${issue?.message ?? 'Malformed input request'}${issue?.code === 'custom' ? '' : at}`;
  return { ok: false, message: msg };
}
