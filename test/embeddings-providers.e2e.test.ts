/**
 * `POST /v1/embeddings` to Amazon Bedrock (Titan Text Embeddings, Cohere Embed; InvokeModel,
 * SigV4) and Vertex AI (`text-embedding-*` through `:predict`), split roles, with the official
 * `openai` SDK as the client: its default base64 encoding and explicit floats, vectors in input
 * order, dimensions, usage, and a group that falls over from a throttled Bedrock to Vertex.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAKE_CREDENTIAL, generateServiceAccount, startBedrockFake, startVertexFake, type BedrockFake, type VertexFake } from '@switchyard/mock-llm';
import type { Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

let redis: Redis;
let bedrock: BedrockFake;
let vertex: VertexFake;
let client: OpenAI;
const roles: RoleProcess[] = [];

const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

beforeAll(async () => {
  let redisUrl: string;
  ({ url: redisUrl, redis } = await freshRedis());
  const sa = generateServiceAccount();
  bedrock = await startBedrockFake({ region: 'us-east-1' });
  vertex = await startVertexFake({ serviceAccounts: [sa.trusted] });
  const aws = `
      aws_region_name: us-east-1
      aws_access_key_id: os.environ/AWS_ACCESS_KEY_ID_TEST
      aws_secret_access_key: os.environ/AWS_SECRET_ACCESS_KEY_TEST
      aws_bedrock_runtime_endpoint: "${bedrock.url}"`;
  const gcp = `
      vertex_project: test-project
      vertex_location: us-central1
      vertex_credentials: os.environ/VERTEX_SA_JSON
      api_base: "${vertex.url}"`;
  const config = writeConfig(`
model_list:
  - model_name: titan
    litellm_params:
      model: bedrock/amazon.titan-embed-text-v2:0${aws}
    model_info: { id: titan-v2 }
  - model_name: cohere
    litellm_params:
      model: bedrock/cohere.embed-english-v3${aws}
    model_info: { id: cohere-v3 }
  - model_name: gecko
    litellm_params:
      model: vertex_ai/text-embedding-005${gcp}
    model_info: { id: vertex-005 }
  - model_name: failover
    litellm_params:
      model: bedrock/amazon.titan-embed-text-v2:0${aws}
      order: 1
    model_info: { id: failover-bedrock }
  - model_name: failover
    litellm_params:
      model: vertex_ai/text-embedding-005${gcp}
      order: 2
    model_info: { id: failover-vertex }
router_settings:
  num_retries: 1
  allowed_fails: 100
`);
  const env = {
    AWS_ACCESS_KEY_ID_TEST: DEFAULT_FAKE_CREDENTIAL.accessKeyId,
    AWS_SECRET_ACCESS_KEY_TEST: DEFAULT_FAKE_CREDENTIAL.secretAccessKey,
    VERTEX_SA_JSON: JSON.stringify(sa.json),
  };
  roles.push(
    ...(await Promise.all([
      startRole({ role: 'worker', config, redisUrl, env }),
      startRole({ role: 'scheduler', config, redisUrl, env }),
      startRole({ role: 'api', config, redisUrl, env }),
    ])),
  );
  client = new OpenAI({ baseURL: `${roles[2]?.url}/v1`, apiKey: 'none', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await Promise.all([bedrock?.close(), vertex?.close()]);
  redis?.disconnect();
});

describe('embeddings on Bedrock and Vertex AI through the openai SDK', () => {
  it('Titan: the SDK default (base64) decodes to the floats asked for explicitly, one vector per input, in order', async () => {
    const input = ['the first input', 'a second one'];
    const { data, response } = await client.embeddings.create({ model: 'titan', input, dimensions: 256 }).withResponse();
    expect(response.headers.get('x-switchyard-deployment')).toBe('titan-v2');
    expect(bedrock.stats().lastModelId).toBe('amazon.titan-embed-text-v2:0');
    expect(data.object).toBe('list');
    expect(data.data.map((d) => d.index)).toEqual([0, 1]);
    const [a, b] = data.data.map((d) => d.embedding);
    expect(a).toHaveLength(256);
    expect(norm(a ?? [])).toBeCloseTo(1, 3);
    expect(a).not.toEqual(b);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    const floats = await client.embeddings.create({ model: 'titan', input: 'a second one', dimensions: 256, encoding_format: 'float' });
    expect(floats.data[0]?.embedding).toHaveLength(256);
    floats.data[0]?.embedding.forEach((x, i) => expect(x).toBeCloseTo(b?.[i] ?? Number.NaN, 6));
  });

  it('Cohere: a whole list in one InvokeModel call, input_type defaulted to search_document', async () => {
    const before = bedrock.stats().invoke;
    const data = await client.embeddings.create({ model: 'cohere', input: ['one', 'two', 'three'] });
    expect(data.data).toHaveLength(3);
    expect(data.data[0]?.embedding).toHaveLength(1024);
    expect(bedrock.stats().invoke - before).toBe(1);
    expect(bedrock.stats().lastBody).toMatchObject({ texts: ['one', 'two', 'three'], input_type: 'search_document' });
  });

  it('Vertex AI: texts as predict instances, dimensions as outputDimensionality', async () => {
    const { data, response } = await client.embeddings.create({ model: 'gecko', input: ['vertex one', 'vertex two'], dimensions: 128 }).withResponse();
    expect(response.headers.get('x-switchyard-deployment')).toBe('vertex-005');
    expect(vertex.stats().lastPath).toBe('/v1/projects/test-project/locations/us-central1/publishers/google/models/text-embedding-005:predict');
    expect(vertex.stats().lastBody).toEqual({ instances: [{ content: 'vertex one' }, { content: 'vertex two' }], parameters: { outputDimensionality: 128 } });
    expect(data.data.map((d) => d.embedding.length)).toEqual([128, 128]);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('what a provider refuses is a 400 to the client; a throttled Bedrock falls over to Vertex', async () => {
    const refused = await client.embeddings.create({ model: 'titan', input: 'x', dimensions: 100 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    bedrock.setBehaviour({ fail: 'ThrottlingException' });
    try {
      const { data, response } = await client.embeddings.create({ model: 'failover', input: 'fall over' }).withResponse();
      expect(response.headers.get('x-switchyard-deployment')).toBe('failover-vertex');
      expect(data.data).toHaveLength(1);
    } finally {
      bedrock.setBehaviour({ fail: undefined });
    }
  });
});
