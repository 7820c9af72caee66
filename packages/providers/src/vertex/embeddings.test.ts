import { startVertexFake, type VertexFake } from '@switchyard/mock-llm';
import { describe, expect, it } from 'vitest';
import { useVertexTestKit, vertexTestDeployment } from '../test-support/vertex.js';
import { UpstreamError } from '../upstream-error.js';
import { VertexGeminiAdapter, vertexEmbeddings } from './gemini.js';

const { account, open } = useVertexTestKit();

async function setup(model: string): Promise<{ f: VertexFake; a: VertexGeminiAdapter }> {
  const f = await startVertexFake({ serviceAccounts: [account().trusted] });
  const a = new VertexGeminiAdapter(vertexTestDeployment(f.url, account(), { group: 'emb', model, location: 'europe-west4' }));
  open.push(a, f);
  return { f, a };
}

interface List {
  object: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

describe('VertexGeminiAdapter.embed against the Vertex fake (:predict)', () => {
  it('sends the texts as instances at the predict path, and answers the OpenAI list with usage', async () => {
    const { f, a } = await setup('text-embedding-005');
    const out = (await a.embed({ body: { model: 'emb', input: ['alpha beta', 'gamma'], dimensions: 64, task_type: 'RETRIEVAL_QUERY' } })) as List;
    expect(f.stats().lastPath).toBe('/v1/projects/proj-1/locations/europe-west4/publishers/google/models/text-embedding-005:predict');
    expect(f.stats().lastBody).toEqual({
      instances: [
        { content: 'alpha beta', task_type: 'RETRIEVAL_QUERY' },
        { content: 'gamma', task_type: 'RETRIEVAL_QUERY' },
      ],
      parameters: { outputDimensionality: 64 },
    });
    expect(out.object).toBe('list');
    expect(out.model).toBe('text-embedding-005');
    expect(out.data.map((d) => d.index)).toEqual([0, 1]);
    expect(out.data[0]?.embedding).toHaveLength(64);
    expect(out.usage).toEqual({ prompt_tokens: 3 + 2, total_tokens: 5 });
  });

  it('gemini-embedding takes one text per call: several calls, answers in input order', async () => {
    const { f, a } = await setup('gemini-embedding-001');
    const out = (await a.embed({ body: { model: 'emb', input: ['one', 'two', 'three'], encoding_format: 'base64' } })) as List;
    expect(f.stats().byMethod.predict).toBe(3);
    const single = (await a.embed({ body: { model: 'emb', input: 'three', encoding_format: 'base64' } })) as List;
    expect(out.data[2]?.embedding).toBe(single.data[0]?.embedding);
    expect(Buffer.from(out.data[0]?.embedding as string, 'base64')).toHaveLength(3072 * 4);
  });

  it('keeps each call under the 20,000 tokens Vertex takes per request: long texts go in several calls', async () => {
    const { f, a } = await setup('text-embedding-005');
    const long = ['a', 'b', 'c'].map((ch) => ch.repeat(20_000)); // about 5,000 tokens each, 6,667 by the adapter's safe estimate
    const out = (await a.embed({ body: { model: 'emb', input: long } })) as List;
    expect(f.stats().byMethod.predict).toBe(2);
    expect(out.data.map((d) => d.index)).toEqual([0, 1, 2]);
  });

  it('a refused body is a bad request; token ids never leave', async () => {
    const { f, a } = await setup('text-embedding-005');
    const tooBig = (await a.embed({ body: { model: 'emb', input: 'x', dimensions: 5000 } }).catch((e: unknown) => e)) as UpstreamError;
    expect(tooBig).toBeInstanceOf(UpstreamError);
    expect(tooBig.kind).toBe('bad_request');
    const ids = (await a.embed({ body: { model: 'emb', input: [[1, 2]] } }).catch((e: unknown) => e)) as UpstreamError;
    expect(ids.kind).toBe('bad_request');
    expect(f.stats().byMethod.predict).toBe(1);
    const chat = await setup('gemini-2.5-flash');
    const notEmbedding = (await chat.a.embed({ body: { model: 'emb', input: 'x' } }).catch((e: unknown) => e)) as UpstreamError;
    expect(notEmbedding.kind).toBe('bad_request');
    expect(chat.f.stats().requests).toBe(0);
  });

  it('a rate-limited project is rate_limited', async () => {
    const { f, a } = await setup('text-embedding-005');
    f.setBehaviour({ failure: 'rate_limited' });
    const err = (await a.embed({ body: { model: 'emb', input: 'x' } }).catch((e: unknown) => e)) as UpstreamError;
    expect(err.kind).toBe('rate_limited');
  });

  it('a malformed answer is a server error', () => {
    expect(() => vertexEmbeddings({ predictions: [{ embeddings: { values: [0.1] } }] }, 2)).toThrow(UpstreamError);
    expect(vertexEmbeddings({ predictions: [{ embeddings: { values: [0.1], statistics: { token_count: 4 } } }] }, 1)).toEqual({ vectors: [[0.1]], tokens: 4 });
  });
});
