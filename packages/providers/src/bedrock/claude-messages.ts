/**
 * Claude's Messages format as Bedrock's InvokeModel takes it: fewer fields and fewer betas than
 * Anthropic's own API, so a `/v1/messages` request keeps only what Bedrock accepts instead of
 * being refused there alone (as the Converse translation dropped them before).
 */

/** The `anthropic_version` Claude's Messages body takes on Bedrock. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** Body fields Bedrock's Claude Messages API takes (besides `anthropic_version` / `anthropic_beta`). */
export const BEDROCK_CLAUDE_FIELDS: ReadonlySet<string> = new Set([
  'max_tokens',
  'messages',
  'system',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'tools',
  'tool_choice',
  'thinking',
]);

/**
 * Betas Bedrock documents for Claude (by name, without their date: any dated version passes).
 * Others — Claude Code's own, the Files API, MCP connector, … — are refused there as an
 * "invalid beta flag", so they are left out.
 */
const BEDROCK_BETAS = [
  'computer-use',
  'token-efficient-tools',
  'interleaved-thinking',
  'output-128k',
  'dev-full-thinking',
  'context-1m',
  'context-management',
  'effort',
  'tool-search-tool',
  'tool-examples',
  'fine-grained-tool-streaming',
];

/** The betas of an `anthropic-beta` value (comma-separated) that Bedrock takes. */
export function bedrockBetas(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => BEDROCK_BETAS.some((name) => b === name || b.startsWith(`${name}-`)));
}

/**
 * The InvokeModel body of a Messages request (already stripped of routing fields, `model` and
 * `stream`): the fields Bedrock takes, `anthropic_version`, and the betas it takes as `anthropic_beta`.
 */
export function bedrockClaudeBody(request: Readonly<Record<string, unknown>>, betaHeader: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(request)) if (BEDROCK_CLAUDE_FIELDS.has(k) && v !== undefined) out[k] = v;
  out.anthropic_version = BEDROCK_ANTHROPIC_VERSION;
  const betas = bedrockBetas(betaHeader);
  if (betas.length > 0) out.anthropic_beta = betas;
  return out;
}
