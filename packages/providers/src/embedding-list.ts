/**
 * The OpenAI side of embeddings for providers with an API of their own (Bedrock, Vertex AI):
 * the texts of an OpenAI `/v1/embeddings` request, and the OpenAI `list` answer built from the
 * vectors those providers return.
 */
import type { CallDeadline } from './call-deadline.js';
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

/**
 * Upstream calls one embeddings request makes at once, at most, when the provider takes fewer
 * texts per call than the request has (Titan: one). Default 8.
 */
export const EMBEDDING_CALLS_AT_ONCE = 8;

/**
 * Splits `texts` into runs of at most `size` texts and, when `maxWeight` is given, at most that
 * much `weight` (a run of one text may pass it: the provider then says what is wrong).
 */
export function inRuns(texts: readonly string[], size: number, maxWeight = Infinity, weight: (t: string) => number = () => 0): string[][] {
  const out: string[][] = [];
  let run: string[] = [];
  let w = 0;
  for (const t of texts) {
    const tw = weight(t);
    if (run.length > 0 && (run.length >= size || w + tw > maxWeight)) {
      out.push(run);
      run = [];
      w = 0;
    }
    run.push(t);
    w += tw;
  }
  if (run.length > 0) out.push(run);
  return out;
}

/**
 * `fn` over `items`, at most `limit` at a time (default {@link EMBEDDING_CALLS_AT_ONCE}); results
 * in input order. The first rejection rejects the whole (calls not started yet are not started).
 */
export async function mapAtMost<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = EMBEDDING_CALLS_AT_ONCE): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** A finite number array, or undefined. */
export function numberArray(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as number[]) : undefined;
}

/**
 * Runs the upstream calls of one embeddings request under its deadline: a failure is classified
 * by `failure` (before anything else aborts), then the calls still running are aborted; the
 * deadline is cleared either way.
 */
export async function callsUnderDeadline<T>(timeout: CallDeadline, run: () => Promise<T>, failure: (err: unknown) => UpstreamError): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = failure(err);
    timeout.abort(); // the calls still running for the other texts are not needed any more
    throw e;
  } finally {
    timeout.clear();
  }
}
