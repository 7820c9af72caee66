/**
 * The Vertex fake's `:predict` for Google's text-embedding models, as the Vertex AI text
 * embeddings reference shapes it: `{instances: [{content, task_type?, title?}], parameters?:
 * {outputDimensionality?, autoTruncate?}}` → `{predictions: [{embeddings: {values, statistics:
 * {token_count, truncated}}}], metadata: {billableCharacterCount}}`. Up to 250 instances
 * (`gemini-embedding-*`: one) and 20,000 tokens (estimated: characters / 4) per request; 768 floats (`gemini-embedding-*`: 3 072) unless
 * `outputDimensionality` asks for fewer. A body that breaks these rules is a 400
 * INVALID_ARGUMENT naming the problem. Vectors are deterministic per text (`embeddingVector`).
 */
import { embeddingVector, estimateInputTokens } from '../openai-format.js';
import { isRecord } from '../is-record.js';

const TASK_TYPES = [
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
];


/** Validates a `:predict` body for embedding `model`; the answer's JSON text, or the problems found. */
export function predictEmbeddings(model: string, body: unknown): { ok: true; json: string } | { ok: false; messages: string[] } {
  if (!/^(text-embedding-|text-multilingual-embedding-|gemini-embedding-|textembedding-gecko)/.test(model)) {
    return { ok: false, messages: [`${model} does not serve text embeddings through predict`] };
  }
  const gemini = model.startsWith('gemini-embedding');
  const maxInstances = gemini ? 1 : 250;
  const fullSize = gemini ? 3072 : 768;
  if (!isRecord(body) || !Array.isArray(body.instances) || body.instances.length === 0) return { ok: false, messages: ['instances: at least one instance is required'] };
  if (body.instances.length > maxInstances) {
    return { ok: false, messages: [`${model} supports up to ${maxInstances} instances per prediction request, got ${body.instances.length}`] };
  }
  const messages: string[] = [];
  const texts: string[] = [];
  body.instances.forEach((inst: unknown, i) => {
    if (!isRecord(inst) || typeof inst.content !== 'string') return messages.push(`instances[${i}].content: a string is required`);
    if (inst.task_type !== undefined && !TASK_TYPES.includes(inst.task_type as string)) messages.push(`instances[${i}].task_type: invalid value ${JSON.stringify(inst.task_type)}`);
    if (inst.title !== undefined && typeof inst.title !== 'string') messages.push(`instances[${i}].title: a string is required`);
    texts.push(inst.content);
    return undefined;
  });
  const p = body.parameters;
  let size = fullSize;
  if (p !== undefined) {
    if (!isRecord(p)) messages.push('parameters: an object is required');
    else {
      const d = p.outputDimensionality;
      if (d !== undefined) {
        if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > fullSize) messages.push(`parameters.outputDimensionality: must be an integer from 1 to ${fullSize}`);
        else size = d;
      }
      if (p.autoTruncate !== undefined && typeof p.autoTruncate !== 'boolean') messages.push('parameters.autoTruncate: a boolean is required');
    }
  }
  const tokens = texts.reduce((n, t) => n + estimateInputTokens(t), 0);
  if (tokens > 20_000) messages.push(`Unable to submit request because the input token count is ${tokens} but the model supports up to 20000 tokens per request.`);
  if (messages.length > 0) return { ok: false, messages };
  const predictions = texts.map((t) => ({ embeddings: { values: embeddingVector(t, size), statistics: { token_count: estimateInputTokens(t), truncated: false } } }));
  return { ok: true, json: JSON.stringify({ predictions, metadata: { billableCharacterCount: texts.reduce((n, t) => n + t.replace(/\s/g, '').length, 0) } }) };
}
