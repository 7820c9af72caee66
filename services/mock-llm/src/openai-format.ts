/**
 * OpenAI wire-format builders: error bodies, chat completions, embeddings and model lists.
 * Hot-path bodies are produced with string templates (faster than building objects and
 * calling `JSON.stringify`), with every dynamic value JSON-encoded.
 */
import { randomBytes } from 'node:crypto';

/** The OpenAI error envelope. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Builds an OpenAI error body. */
export function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): string {
  const body: OpenAiErrorBody = { error: { message, type, param, code } };
  return JSON.stringify(body);
}

/** 400 for a body that is not valid JSON. */
export const INVALID_JSON_BODY = errorBody(
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  'invalid_request_error',
);

/** 429 body (rate limit). */
export const RATE_LIMIT_BODY = errorBody(
  'Rate limit reached for requests',
  'requests',
  null,
  'rate_limit_exceeded',
);

/** 500 body. */
export const SERVER_ERROR_BODY = errorBody(
  'The server had an error while processing your request. Sorry about that!',
  'server_error',
);

/** 503 body. */
export const OVERLOADED_BODY = errorBody(
  'The engine is currently overloaded, please try again later',
  'server_error',
);

/** 401 when no key was sent at all. */
export const MISSING_API_KEY_BODY = errorBody(
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
  'invalid_request_error',
  null,
  'invalid_api_key',
);

/** 413 for bodies over the size limit. */
export function tooLargeBody(limitBytes: number): string {
  return errorBody(
    `Request body too large. The maximum request size is ${limitBytes} bytes.`,
    'invalid_request_error',
  );
}

/**
 * Masks an API key the way OpenAI does: never the full key, at most a short prefix and suffix.
 * `"sk-abcdefghijklmnop1234"` → `"sk-****1234"`, short keys → `"****"`.
 */
export function maskApiKey(key: string): string {
  if (key.length < 12) return '****';
  return `${key.slice(0, 3)}****${key.slice(-4)}`;
}

/** 401 for a wrong key; the key is masked. */
export function invalidApiKeyBody(providedKey: string): string {
  return errorBody(
    `Incorrect API key provided: ${maskApiKey(providedKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

/** 404 for an unknown route, e.g. `Invalid URL (POST /v1/xyz)`. */
export function invalidUrlBody(method: string, path: string): string {
  return errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error');
}

/**
 * The body for an injected failure with `status`: 400, 401, 429, 500 and 503 use OpenAI's
 * shapes; any other status gets a generic `api_error`.
 */
export function injectedErrorBody(status: number, code?: string): string {
  if (status === 400 && code === 'context_length_exceeded') {
    return errorBody(
      "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
      'invalid_request_error',
      'messages',
      'context_length_exceeded',
    );
  }
  if (status === 400 && code === 'content_policy_violation') {
    return errorBody(
      'Your request was rejected as a result of our safety system.',
      'invalid_request_error',
      null,
      'content_policy_violation',
    );
  }
  switch (status) {
    case 400:
      return errorBody('Bad request (injected by mock-llm).', 'invalid_request_error');
    case 401:
      return invalidApiKeyBody('');
    case 429:
      return RATE_LIMIT_BODY;
    case 500:
      return SERVER_ERROR_BODY;
    case 503:
      return OVERLOADED_BODY;
    default:
      return errorBody(`Upstream error ${status} (injected by mock-llm).`, 'api_error');
  }
}

const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;

/** A unique id: a random per-process prefix plus a counter (cheap enough for benchmarks). */
export function newId(kind: string): string {
  return `${kind}${ID_PREFIX}${(idCounter++).toString(36)}`;
}

/** Current unix time in seconds. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Characters of a message `content`: a string, or an array of `{ type: 'text', text }` parts. */
function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (typeof part === 'object' && part !== null) {
      const text = (part as { text?: unknown }).text;
      if (typeof text === 'string') n += text.length;
    }
  }
  return n;
}

/**
 * Deterministic prompt-token estimate: `ceil(total content chars / 4) + 3 per message`, at least 1.
 */
export function estimatePromptTokens(messages: readonly unknown[]): number {
  let chars = 0;
  for (const m of messages) {
    if (typeof m === 'object' && m !== null) chars += contentChars((m as { content?: unknown }).content);
  }
  return Math.max(1, Math.ceil(chars / 4) + 3 * messages.length);
}

/** Token estimate for one embeddings input: `ceil(chars / 4)` (token arrays count their length), at least 1. */
export function estimateInputTokens(input: string | readonly number[]): number {
  return Math.max(1, typeof input === 'string' ? Math.ceil(input.length / 4) : input.length);
}

/** Token usage in OpenAI's shape. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Serialises a usage object. */
export function usageJson(prompt: number, completion: number): string {
  return `{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}`;
}

/** Fields shared by a completion and its stream chunks. */
export interface CompletionMeta {
  /** `chatcmpl-...` */
  id: string;
  /** Unix seconds. */
  created: number;
  /** JSON-encoded model name (already `JSON.stringify`d). */
  modelJson: string;
}

/** Builds a non-streaming `chat.completion` body. `contentJson` is the JSON-encoded content. */
export function chatCompletionBody(
  meta: CompletionMeta,
  contentJson: string,
  promptTokens: number,
  completionTokens: number,
): string {
  return `{"id":"${meta.id}","object":"chat.completion","created":${meta.created},"model":${meta.modelJson},"choices":[{"index":0,"message":{"role":"assistant","content":${contentJson},"refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":${usageJson(promptTokens, completionTokens)},"system_fingerprint":"fp_mock"}`;
}

/** The model list served by `GET /v1/models`. */
export const MODEL_ID = 'mock-model';

/** A single model object. */
export function modelJson(id: string): string {
  return `{"id":${JSON.stringify(id)},"object":"model","created":0,"owned_by":"mock-llm"}`;
}

/** `GET /v1/models` body. */
export const MODELS_BODY = `{"object":"list","data":[${modelJson(MODEL_ID)}]}`;

/** Dimensions of mock embeddings. */
export const EMBEDDING_DIMENSIONS = 8;

/** FNV-1a 32-bit hash of a string (or of a token array's decimal rendering). */
function fnv1a(input: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A deterministic unit-length vector of `dimensions` floats (default {@link EMBEDDING_DIMENSIONS})
 * derived from the input (same input → same vector, across processes).
 */
export function embeddingVector(input: string | readonly number[], dimensions = EMBEDDING_DIMENSIONS): number[] {
  let state = fnv1a(typeof input === 'string' ? input : input.join(',')) || 1;
  const v: number[] = [];
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const x = state / 0xffffffff - 0.5;
    v.push(x);
    norm += x * x;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  return v.map((x) => Math.round(x * scale * 1e6) / 1e6);
}

/** Encodes a vector as base64 little-endian float32 (`encoding_format: "base64"`). */
export function embeddingBase64(v: readonly number[]): string {
  return Buffer.from(new Float32Array(v).buffer).toString('base64');
}

/** Builds an embeddings `list` body. */
export function embeddingsBody(
  inputs: ReadonlyArray<string | readonly number[]>,
  model: string,
  base64: boolean,
): string {
  let tokens = 0;
  const data = inputs.map((input, index) => {
    tokens += estimateInputTokens(input);
    const v = embeddingVector(input);
    return { object: 'embedding', index, embedding: base64 ? embeddingBase64(v) : v };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
