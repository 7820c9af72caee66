/**
 * The OpenAI side of embeddings for providers with an API of their own (Bedrock, Vertex AI):
 * the texts of an OpenAI `/v1/embeddings` request, and the OpenAI `list` answer built from the
 * vectors those providers return.
 */
import { UpstreamError } from './upstream-error.js';

/**
 * The texts of an embeddings request's `input` (a string, or an array of strings). Token-id
 * input (arrays of integers) is OpenAI's own: `provider` takes text only, so it is a bad request.
 */
export function embeddingTexts(body: Readonly<Record<string, unknown>>, provider: string): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === 'string')) return input as string[];
  throw new UpstreamError('bad_request', `${provider} embeddings take text: input must be a string or an array of strings (not token ids)`, 400);
}

/** A vector as OpenAI's `encoding_format: "base64"` sends it: little-endian float32, base64. */
export function embeddingToBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}

/**
 * The OpenAI embeddings answer: one `embedding` object per vector, in input order; floats, or
 * base64 when the request asked for `encoding_format: "base64"` (what the official OpenAI SDKs
 * ask for unless told otherwise, decoding it themselves); usage = `promptTokens`.
 */
export function openAIEmbeddingList(
  vectors: readonly (readonly number[])[],
  model: string,
  promptTokens: number,
  encodingFormat: unknown,
): Record<string, unknown> {
  const base64 = encodingFormat === 'base64';
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? embeddingToBase64(v) : [...v] })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** Splits `items` into runs of at most `size`. */
export function inRuns<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A finite number array, or undefined. */
export function numberArray(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : undefined;
}
