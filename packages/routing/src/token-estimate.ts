/**
 * Token estimates of a chat request, for the tpm window and the context-window check: what the
 * upstream will count for the prompt (messages, tool and function definitions, structured-output
 * schemas, images) and the most the reply can add (`n` choices of the completion cap). Estimates
 * are replaced by the real `usage` once the call ends; they must not fall short of it, or a tpm
 * window could admit more than its limit while calls are in flight.
 */
import { countO200kTokens, o200kTable } from './tokenizer/o200k.js';

/** Longest run of whitespace or of non-whitespace tokenized in one piece (BPE is quadratic in it). */
export const MAX_TOKENIZED_RUN = 200;
const LONG_RUN = new RegExp(`\\S{${MAX_TOKENIZED_RUN}}|\\s{${MAX_TOKENIZED_RUN}}`, 'g');

/** Tokens OpenAI's chat format adds per message (role and separators). */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens that prime the assistant's reply. */
export const REPLY_PRIMING_TOKENS = 3;
/**
 * Tokens an image part is estimated at, whatever its size: OpenAI's vision pricing for a
 * 1024×1024 image at `detail: "high"` (the `auto` default for such an image) on gpt-4o, 85 base
 * tokens + 4 tiles of 512 px × 170. Images are not downloaded or decoded to be measured.
 */
export const IMAGE_TOKENS_ESTIMATE = 765;
/** Tokens of an image part with `detail: "low"` (OpenAI: a flat 85, whatever its size). */
export const LOW_DETAIL_IMAGE_TOKENS = 85;

/**
 * Request fields whose JSON the upstream renders into the prompt: tool and legacy function
 * definitions, the forced choice of one, and a structured-output schema. Counted as their JSON
 * text, which is longer than the form OpenAI renders them in, so the estimate errs high.
 */
export const PROMPT_SCHEMA_FIELDS = ['tools', 'functions', 'tool_choice', 'function_call', 'response_format'] as const;

/**
 * The text as the estimate tokenizes it: a break inserted into every run of
 * {@link MAX_TOKENIZED_RUN} characters (a 2 MB run without word breaks would otherwise block the
 * event loop for minutes). Exact for ordinary prose; close for the rest. The request itself is
 * never changed. Special-token markers such as `<|endoftext|>` count as the text they are.
 */
export function tokenizableText(text: string): string {
  if (text.length < MAX_TOKENIZED_RUN) return text;
  return text.replace(LONG_RUN, (run) => run + (/\s/.test(run.charAt(0)) ? 'x' : ' '));
}

const tokens = (text: string): number => (text ? countO200kTokens(tokenizableText(text)) : 0);

interface MessageLike {
  role?: unknown;
  content?: unknown;
  name?: unknown;
  tool_calls?: unknown;
  function_call?: unknown;
}

type PartLike = { type?: unknown; text?: unknown; image_url?: unknown; detail?: unknown };

const IMAGE_PART_TYPES: ReadonlySet<unknown> = new Set(['image_url', 'input_image', 'image']);

/** Whether a content part is an image (`image_url` / `input_image` / `image`). */
function isImagePart(p: unknown): p is PartLike {
  return p !== null && typeof p === 'object' && IMAGE_PART_TYPES.has((p as PartLike).type);
}

/** Whether any message carries an image part (`image_url` / `input_image` / `image`); nothing is tokenized. */
export function hasImageParts(messages: readonly unknown[]): boolean {
  return (messages as MessageLike[]).some((m) => Array.isArray(m?.content) && (m.content as unknown[]).some(isImagePart));
}

/** The estimate of one image part: {@link LOW_DETAIL_IMAGE_TOKENS} at `detail: "low"`, else {@link IMAGE_TOKENS_ESTIMATE}. */
function imageTokens(p: PartLike): number {
  const url = p.image_url;
  const detail = url !== null && typeof url === 'object' ? (url as { detail?: unknown }).detail : p.detail;
  return detail === 'low' ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS_ESTIMATE;
}

/** The JSON text of a value the upstream renders into the prompt ('' when absent). */
function jsonText(v: unknown): string {
  return v === undefined || v === null ? '' : (JSON.stringify(v) ?? '');
}

/** What one pass over a request's messages finds. */
export interface MessagesEstimate {
  /** Prompt tokens of the messages, images included. */
  tokens: number;
  /** Image parts seen. */
  images: number;
}

/**
 * Tokens of the messages, counted with the o200k tokenizer the way OpenAI frames chats: per
 * message, its text (string content, or the `text` of its parts), its `name`, and the JSON of an
 * assistant's `tool_calls` / `function_call`; each image part at its estimate. One pass; each
 * piece of text is tokenized once.
 */
export function estimateMessages(messages: readonly unknown[]): MessagesEstimate {
  let total = REPLY_PRIMING_TOKENS;
  let images = 0;
  for (const m of messages as MessageLike[]) {
    total += TOKENS_PER_MESSAGE;
    const content = m?.content;
    if (typeof content === 'string') {
      total += tokens(content);
    } else if (Array.isArray(content)) {
      const texts: string[] = [];
      for (const part of content as unknown[]) {
        if (isImagePart(part)) {
          images += 1;
          total += imageTokens(part);
        } else if (part !== null && typeof part === 'object' && typeof (part as PartLike).text === 'string') {
          texts.push((part as { text: string }).text);
        }
      }
      total += tokens(texts.join('\n'));
    }
    if (typeof m?.name === 'string') total += tokens(m.name) + 1;
    total += tokens(jsonText(m?.tool_calls)) + tokens(jsonText(m?.function_call));
  }
  return { tokens: total, images };
}

/** Prompt tokens of a chat request's messages (images at their estimate). */
export function countPromptTokens(messages: readonly unknown[]): number {
  return estimateMessages(messages).tokens;
}

/** Tokens of the request's {@link PROMPT_SCHEMA_FIELDS} (tool/function definitions and the like). */
export function countSchemaTokens(body: Readonly<Record<string, unknown>>): number {
  let total = 0;
  for (const field of PROMPT_SCHEMA_FIELDS) {
    const v = body[field];
    // a bare string choice ("auto", "none") adds nothing to the prompt
    if (v !== null && typeof v === 'object') total += tokens(jsonText(v));
  }
  return total;
}

/**
 * The most the reply can add: `n` (default 1) choices of `max_completion_tokens`, else
 * `max_tokens`, else `defaultCap`.
 */
export function completionAllowance(body: Readonly<Record<string, unknown>>, defaultCap: number): number {
  const cap = body.max_completion_tokens ?? body.max_tokens;
  const perChoice = typeof cap === 'number' && cap > 0 ? cap : defaultCap;
  const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 1 ? body.n : 1;
  return n * perChoice;
}

/** Tokens of generated text (o200k), e.g. a stream's output when the upstream reported no usage. */
export function countTextTokens(text: string): number {
  return tokens(text);
}

/**
 * Loads the tokenizer's vocabulary now (≈ 0.2 s, ≈ 5 MB) rather than on the first estimate, so a
 * process that will estimate (the API) does not make its first request wait for it.
 */
export function loadTokenizer(): void {
  o200kTable();
}
