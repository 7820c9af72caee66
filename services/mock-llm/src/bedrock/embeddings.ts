/**
 * The Bedrock fake's InvokeModel for embedding models, as the Bedrock model-parameter references
 * shape it:
 * - Titan Text Embeddings: `{inputText, dimensions?, normalize?, embeddingTypes?}` (v2; v1 and
 *   G1 take `inputText` only) → `{embedding, inputTextTokenCount}` (+ `embeddingsByType` on v2).
 *   v2 vectors have 1024 floats by default (256 / 512 on request), v1 1536.
 * - Cohere Embed: `{texts (1–96), input_type, truncate?, embedding_types?, output_dimension?}` →
 *   `{id, embeddings, response_type: "embeddings_floats", texts}`; 1024 floats (Embed v4:
 *   `output_dimension`, default 1536).
 * A body that breaks these rules is Bedrock's 400 ValidationException ("Malformed input request:
 * …"). Vectors are deterministic per text (`embeddingVector`).
 */
import { randomUUID } from 'node:crypto';
import { embeddingVector, estimateInputTokens } from '../openai-format.js';
import { isRecord } from '../is-record.js';

/** What the fake answers an embedding call: the JSON body and the input-token header's value. */
export interface EmbeddingReply {
  body: Record<string, unknown>;
  inputTokens: number;
}

/** The family of an embedding model id (inference-profile prefixes allowed), or undefined. */
export function embeddingFamily(modelId: string): 'titan-v1' | 'titan-v2' | 'cohere' | 'cohere-v4' | undefined {
  if (/(^|\.)amazon\.titan-embed-text-v2/.test(modelId)) return 'titan-v2';
  if (/(^|\.)amazon\.titan-embed-(text-v1|g1-text)/.test(modelId)) return 'titan-v1';
  if (/(^|\.)cohere\.embed-v4/.test(modelId)) return 'cohere-v4';
  if (/(^|\.)cohere\.embed-/.test(modelId)) return 'cohere';
  return undefined;
}

const malformed = (detail: string): { ok: false; message: string } => ({ ok: false, message: `Malformed input request: ${detail}, please reformat your input and try again.` });


function extraneous(body: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  return Object.keys(body).find((k) => !allowed.includes(k));
}

/** Validates an embedding body for `family` and builds the answer, or says what is malformed. */
export function embeddingReply(family: NonNullable<ReturnType<typeof embeddingFamily>>, body: unknown): { ok: true; reply: EmbeddingReply } | { ok: false; message: string } {
  if (!isRecord(body)) return malformed('#: expected type: JSONObject');
  if (family === 'titan-v1' || family === 'titan-v2') {
    const allowed = family === 'titan-v2' ? ['inputText', 'dimensions', 'normalize', 'embeddingTypes'] : ['inputText'];
    const extra = extraneous(body, allowed);
    if (extra !== undefined) return malformed(`#: extraneous key [${extra}] is not permitted`);
    if (!('inputText' in body)) return malformed('#: required key [inputText] not found');
    if (typeof body.inputText !== 'string') return malformed('#/inputText: expected type: String');
    if (body.inputText.length === 0) return malformed('#/inputText: expected minLength: 1, actual: 0');
    const dims = body.dimensions ?? (family === 'titan-v2' ? 1024 : 1536);
    if (family === 'titan-v2' && ![256, 512, 1024].includes(dims as number)) return malformed(`#/dimensions: ${String(dims)} is not a valid enum value`);
    if ('normalize' in body && typeof body.normalize !== 'boolean') return malformed('#/normalize: expected type: Boolean');
    const vector = embeddingVector(body.inputText, dims as number);
    const tokens = estimateInputTokens(body.inputText);
    const reply: Record<string, unknown> = { embedding: vector, inputTextTokenCount: tokens };
    if (family === 'titan-v2') reply.embeddingsByType = { float: vector };
    return { ok: true, reply: { body: reply, inputTokens: tokens } };
  }
  const allowed = ['texts', 'input_type', 'truncate', 'embedding_types', ...(family === 'cohere-v4' ? ['output_dimension', 'images', 'inputs', 'max_tokens'] : [])];
  const extra = extraneous(body, allowed);
  if (extra !== undefined) return malformed(`#: extraneous key [${extra}] is not permitted`);
  if (!('input_type' in body)) return malformed('#: required key [input_type] not found');
  if (!['search_document', 'search_query', 'classification', 'clustering'].includes(body.input_type as string)) {
    return malformed(`#/input_type: ${JSON.stringify(body.input_type)} is not a valid enum value`);
  }
  if (!Array.isArray(body.texts) || body.texts.some((t) => typeof t !== 'string')) return malformed('#/texts: expected type: JSONArray of String');
  if (body.texts.length === 0) return malformed('#/texts: expected minimum item count: 1, found: 0');
  if (body.texts.length > 96) return malformed(`#/texts: expected maximum item count: 96, found: ${body.texts.length}`);
  if ('truncate' in body && !['NONE', 'START', 'END'].includes(body.truncate as string)) return malformed(`#/truncate: ${JSON.stringify(body.truncate)} is not a valid enum value`);
  const dims = family === 'cohere-v4' ? (body.output_dimension ?? 1536) : 1024;
  if (family === 'cohere-v4' && ![256, 512, 1024, 1536].includes(dims as number)) return malformed(`#/output_dimension: ${String(dims)} is not a valid enum value`);
  const texts = body.texts as string[];
  const tokens = texts.reduce((n, t) => n + estimateInputTokens(t), 0);
  return {
    ok: true,
    reply: {
      body: { id: randomUUID(), embeddings: texts.map((t) => embeddingVector(t, dims as number)), response_type: 'embeddings_floats', texts },
      inputTokens: tokens,
    },
  };
}
