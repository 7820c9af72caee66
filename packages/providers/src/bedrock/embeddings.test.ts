import type { Deployment } from '@switchyard/config';
import { DEFAULT_FAKE_CREDENTIAL, startBedrockFake, type BedrockFake } from '@switchyard/mock-llm';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../upstream-error.js';
import { BedrockAdapter } from './adapter.js';
import { bedrockEmbeddingFamily, cohereEmbeddingBody, titanEmbeddingBody } from './embeddings.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(model: string): Promise<{ f: BedrockFake; a: BedrockAdapter }> {
  const f = await startBedrockFake();
  const d: Deployment = {
    id: 'd', group: 'emb', provider: 'bedrock', model, tier: 0, weight: 1, timeoutMs: 10_000, supported: true, tags: [], defaultParams: {}, modelInfo: {},
    providerSettings: {
      aws_region_name: 'us-east-1',
      aws_access_key_id: DEFAULT_FAKE_CREDENTIAL.accessKeyId,
      aws_secret_access_key: DEFAULT_FAKE_CREDENTIAL.secretAccessKey,
      aws_bedrock_runtime_endpoint: f.url,
    },
  };
  const a = new BedrockAdapter(d);
  open.push(a, f);
  return { f, a };
}

interface List {
  object: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('Bedrock embeddings: request bodies', () => {
  it('knows the families by model id, inference profiles and ARNs included', () => {
    expect(bedrockEmbeddingFamily('amazon.titan-embed-text-v2:0')).toBe('titan');
    expect(bedrockEmbeddingFamily('amazon.titan-embed-g1-text-02')).toBe('titan');
    expect(bedrockEmbeddingFamily('us.cohere.embed-v4:0')).toBe('cohere');
    expect(bedrockEmbeddingFamily('arn:aws:bedrock:us-east-1::foundation-model/cohere.embed-english-v3')).toBe('cohere');
    expect(bedrockEmbeddingFamily('anthropic.claude-3-5-sonnet-20241022-v2:0')).toBeUndefined();
    expect(bedrockEmbeddingFamily('amazon.titan-embed-image-v1')).toBeUndefined();
  });

  it('maps dimensions and the provider-specific fields', () => {
    expect(titanEmbeddingBody('hi', { dimensions: 256, normalize: false, user: 'u' })).toEqual({ inputText: 'hi', dimensions: 256, normalize: false });
    expect(cohereEmbeddingBody(['a'], {})).toEqual({ texts: ['a'], input_type: 'search_document' });
    expect(cohereEmbeddingBody(['a'], { input_type: 'search_query', truncate: 'END', dimensions: 512 })).toEqual({ texts: ['a'], input_type: 'search_query', truncate: 'END', output_dimension: 512 });
  });
});

describe('BedrockAdapter.embed against the Bedrock fake (InvokeModel, SigV4)', () => {
  it('Titan v2: one call per text, in order, dimensions honoured, usage from the token header', async () => {
    const { f, a } = await setup('amazon.titan-embed-text-v2:0');
    const out = (await a.embed({ body: { model: 'emb', input: ['first text', 'second'], dimensions: 256 } })) as List;
    expect(f.stats().invoke).toBe(2);
    expect(out.object).toBe('list');
    expect(out.model).toBe('amazon.titan-embed-text-v2:0');
    expect(out.data.map((d) => [d.object, d.index])).toEqual([['embedding', 0], ['embedding', 1]]);
    const [v0, v1] = out.data.map((d) => d.embedding as number[]);
    expect(v0).toHaveLength(256);
    expect(norm(v0 ?? [])).toBeCloseTo(1, 3);
    expect(v0).not.toEqual(v1);
    expect(out.usage).toEqual({ prompt_tokens: 3 + 2, total_tokens: 5 });
    const again = (await a.embed({ body: { model: 'emb', input: 'second', dimensions: 256 } })) as List;
    expect(again.data[0]?.embedding).toEqual(v1);
  });

  it('base64 encoding is little-endian float32 of the same vector', async () => {
    const { a } = await setup('amazon.titan-embed-text-v2:0');
    const floats = (await a.embed({ body: { model: 'emb', input: 'x' } })) as List;
    const b64 = (await a.embed({ body: { model: 'emb', input: 'x', encoding_format: 'base64' } })) as List;
    const buf = Buffer.from(b64.data[0]?.embedding as string, 'base64');
    const decoded = Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
    const v = floats.data[0]?.embedding as number[];
    expect(decoded).toHaveLength(1024);
    decoded.forEach((x, i) => expect(x).toBeCloseTo(v[i] ?? Number.NaN, 6));
  });

  it('Cohere: texts in calls of up to 96, input_type defaulted, vectors in input order', async () => {
    const { f, a } = await setup('cohere.embed-english-v3');
    const input = Array.from({ length: 100 }, (_, i) => `text number ${i}`);
    const out = (await a.embed({ body: { model: 'emb', input } })) as List;
    expect(f.stats().invoke).toBe(2);
    expect(out.data).toHaveLength(100);
    expect(out.data[99]?.index).toBe(99);
    const single = (await a.embed({ body: { model: 'emb', input: 'text number 99' } })) as List;
    expect(out.data[99]?.embedding).toEqual(single.data[0]?.embedding);
    expect((f.stats().lastBody as { input_type?: string }).input_type).toBe('search_document');
    expect(out.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('what Bedrock refuses is a bad request; a chat model or token ids never leave', async () => {
    const titanV1 = await setup('amazon.titan-embed-text-v1');
    const refused = await titanV1.a.embed({ body: { model: 'emb', input: 'x', dimensions: 256 } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect((refused as UpstreamError).kind).toBe('bad_request');
    expect((refused as UpstreamError).message).toContain('dimensions');
    const chat = await setup('anthropic.claude-3-5-sonnet-20241022-v2:0');
    const notEmbedding = (await chat.a.embed({ body: { model: 'emb', input: 'x' } }).catch((e: unknown) => e)) as UpstreamError;
    expect(notEmbedding.kind).toBe('bad_request');
    const tokens = (await titanV1.a.embed({ body: { model: 'emb', input: [1, 2, 3] } }).catch((e: unknown) => e)) as UpstreamError;
    expect(tokens.kind).toBe('bad_request');
    expect(chat.f.stats().invoke + titanV1.f.stats().invoke).toBe(1);
  });

  it('throttling is rate_limited', async () => {
    const { f, a } = await setup('amazon.titan-embed-text-v2:0');
    f.setBehaviour({ fail: 'ThrottlingException' });
    const err = (await a.embed({ body: { model: 'emb', input: ['a', 'b'] } }).catch((e: unknown) => e)) as UpstreamError;
    expect(err.kind).toBe('rate_limited');
  });
});
