/**
 * Embeddings on Amazon Bedrock: the native InvokeModel bodies of the two embedding families
 * Switchyard calls, and their answers.
 *
 * - **Titan Text Embeddings** (`amazon.titan-embed-text-v1`, `amazon.titan-embed-text-v2:0`,
 *   `amazon.titan-embed-g1-text-02`): one text per call, `{inputText, dimensions?, normalize?}` →
 *   `{embedding, inputTextTokenCount}`. OpenAI's `dimensions` becomes `dimensions` (v2 accepts
 *   256, 512 or 1024, default 1024; v1 has a fixed size and Bedrock refuses the field); the
 *   request's `normalize` is passed on (Titan v2's default: true).
 * - **Cohere Embed** (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`, `cohere.embed-v4:0`):
 *   up to {@link COHERE_TEXTS_PER_CALL} texts per call, `{texts, input_type, truncate?,
 *   output_dimension?}` → `{embeddings}` (an array of vectors, or `{float: [...]}`). `input_type`
 *   is the request's own (`search_document`, `search_query`, `classification`, `clustering`),
 *   default `search_document`; so is `truncate` (`NONE`, `START`, `END`; Bedrock's default
 *   `NONE` refuses a text past the model's limit); OpenAI's `dimensions` becomes
 *   `output_dimension` (Embed v4).
 *
 * Token counts come from Bedrock's `X-Amzn-Bedrock-Input-Token-Count` header, else Titan's
 * `inputTextTokenCount`.
 */
import { numberArray } from '../embedding-list.js';
import { UpstreamError } from '../upstream-error.js';

/** The embedding families Switchyard can call on Bedrock. */
export type BedrockEmbeddingFamily = 'titan' | 'cohere';

/** Most texts in one Cohere Embed call (Bedrock's limit). */
export const COHERE_TEXTS_PER_CALL = 96;

/** Cohere's `input_type` when the request names none (LiteLLM's default too). */
export const DEFAULT_COHERE_INPUT_TYPE = 'search_document';

/**
 * The family of a Bedrock model id (an inference-profile prefix such as `us.` and ARNs
 * included), or undefined for a model that is not an embedding model Switchyard can call.
 */
export function bedrockEmbeddingFamily(modelId: string): BedrockEmbeddingFamily | undefined {
  if (/(^|[./])amazon\.titan-embed-(text|g1-text)/.test(modelId)) return 'titan';
  if (/(^|[./])cohere\.embed-/.test(modelId)) return 'cohere';
  return undefined;
}

/** Titan's InvokeModel body for one text. */
export function titanEmbeddingBody(text: string, body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { inputText: text };
  if (typeof body.dimensions === 'number') out.dimensions = body.dimensions;
  if (typeof body.normalize === 'boolean') out.normalize = body.normalize;
  return out;
}

/** Cohere Embed's InvokeModel body for up to {@link COHERE_TEXTS_PER_CALL} texts. */
export function cohereEmbeddingBody(texts: readonly string[], body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    texts,
    input_type: typeof body.input_type === 'string' ? body.input_type : DEFAULT_COHERE_INPUT_TYPE,
  };
  if (typeof body.truncate === 'string') out.truncate = body.truncate;
  if (typeof body.dimensions === 'number') out.output_dimension = body.dimensions;
  return out;
}

const malformed = (family: BedrockEmbeddingFamily): UpstreamError => new UpstreamError('server', `bedrock sent a malformed ${family} embeddings answer`);

/** Titan's answer: its vector and the input's token count. */
export function titanEmbedding(json: unknown): { vector: number[]; tokens?: number } {
  const o = json as { embedding?: unknown; embeddingsByType?: { float?: unknown }; inputTextTokenCount?: unknown } | null;
  const vector = numberArray(o?.embedding) ?? numberArray(o?.embeddingsByType?.float);
  if (!vector) throw malformed('titan');
  return { vector, ...(typeof o?.inputTextTokenCount === 'number' ? { tokens: o.inputTextTokenCount } : {}) };
}

/** Cohere Embed's answer: one vector per text sent (`expected`), in order. */
export function cohereEmbeddings(json: unknown, expected: number): number[][] {
  const e = (json as { embeddings?: unknown } | null)?.embeddings;
  const list = Array.isArray(e) ? e : (e as { float?: unknown } | undefined)?.float;
  const vectors = Array.isArray(list) ? list.map(numberArray) : [];
  if (vectors.length !== expected || vectors.some((v) => v === undefined)) throw malformed('cohere');
  return vectors as number[][];
}
