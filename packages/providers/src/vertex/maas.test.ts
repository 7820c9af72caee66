import { startVertexFake, type VertexFake } from '@switchyard/mock-llm';
import { describe, expect, it } from 'vitest';
import { useVertexTestKit, vertexTestDeployment } from '../test-support/vertex.js';
import type { ChatChunk } from '../adapter.js';
import { UpstreamError } from '../upstream-error.js';
import { VertexMaasAdapter } from './maas.js';
import { vertexOpenApiUrl } from './url.js';

const { account, open } = useVertexTestKit();

async function setup(settings: Record<string, unknown> = {}, trusted = true, model = 'meta/llama-3.3-70b-instruct-maas'): Promise<{ f: VertexFake; a: VertexMaasAdapter }> {
  const f = await startVertexFake({ serviceAccounts: trusted ? [account().trusted] : [] });
  const a = new VertexMaasAdapter(vertexTestDeployment(f.url, account(), { group: 'llama', model, location: 'us-east5', settings }));
  open.push(a, f);
  return { f, a };
}

const HELLO = { model: 'llama', messages: [{ role: 'user', content: 'hello there' }] };

describe('VertexMaasAdapter against the Vertex fake (OpenAI-compatible endpoint)', () => {
  it('posts OpenAI chat to the project endpoint with <publisher>/<model> and a verified token', async () => {
    const { f, a } = await setup();
    const out = (await a.chat({ body: HELLO })) as { object: string; model: string; choices: Array<{ message: { content: string } }>; usage: { total_tokens: number } };
    expect(f.stats().lastPath).toBe('/v1/projects/proj-1/locations/us-east5/endpoints/openapi/chat/completions');
    expect(f.stats().lastBody).toMatchObject({ model: 'meta/llama-3.3-70b-instruct-maas', messages: HELLO.messages });
    expect(f.stats().byMethod.openapi).toBe(1);
    expect(out.object).toBe('chat.completion');
    expect(out.choices[0]?.message.content).toBe('Hello from the Vertex fake.');
    expect(out.usage.total_tokens).toBeGreaterThan(0);
  });

  it('streams OpenAI chunks to the end, without stream_options', async () => {
    const { f, a } = await setup();
    const chunks: ChatChunk[] = [];
    for await (const c of await a.chatStream({ body: { ...HELLO, stream: true, stream_options: { include_usage: true } } })) chunks.push(c);
    const text = chunks.map((c) => (c.choices?.[0] as { delta?: { content?: string } } | undefined)?.delta?.content ?? '').join('');
    expect(text).toBe('Hello from the Vertex fake.');
    expect(f.stats().lastBody).not.toHaveProperty('stream_options');
    expect(f.stats().lastBody).toMatchObject({ stream: true });
  });

  it('an untrusted token is an auth error; throttling is rate_limited', async () => {
    const untrusted = await setup({}, false);
    const auth = (await untrusted.a.chat({ body: HELLO }).catch((e: unknown) => e)) as UpstreamError;
    expect(auth).toBeInstanceOf(UpstreamError);
    expect(auth.kind).toBe('auth');
    const { f, a } = await setup();
    f.setBehaviour({ failure: 'rate_limited', retryAfterSeconds: 3 });
    const limited = (await a.chat({ body: HELLO }).catch((e: unknown) => e)) as UpstreamError;
    expect(limited.kind).toBe('rate_limited');
  });

  it('Mistral and AI21: the rawPredict of their publisher / streamRawPredict, the body naming the model without its version', async () => {
    for (const [model, publisher, bare] of [
      ['mistral-large@2407', 'mistralai', 'mistral-large'],
      ['codestral-2501', 'mistralai', 'codestral-2501'],
      ['jamba-1.5-large@001', 'ai21', 'jamba-1.5-large'],
    ] as const) {
      const { f, a } = await setup({}, true, model);
      const out = (await a.chat({ body: HELLO })) as { choices: Array<{ message: { content: string } }> };
      expect(out.choices[0]?.message.content).toBe('Hello from the Vertex fake.');
      expect(f.stats().lastPath).toBe(`/v1/projects/proj-1/locations/us-east5/publishers/${publisher}/models/${model}:rawPredict`);
      expect(f.stats().lastBody).toMatchObject({ model: bare });
      let text = '';
      for await (const c of await a.chatStream({ body: { ...HELLO, stream: true } })) text += (c.choices?.[0] as { delta?: { content?: string } } | undefined)?.delta?.content ?? '';
      expect(text).toBe('Hello from the Vertex fake.');
      expect(f.stats().lastPath).toBe(`/v1/projects/proj-1/locations/us-east5/publishers/${publisher}/models/${model}:streamRawPredict`);
    }
  });

  it("reads Vertex's Google-format errors: a rate limit's retry delay, a deadline as a timeout", async () => {
    const { f, a } = await setup();
    f.setBehaviour({ failure: 'rate_limited', retryAfterSeconds: 4 });
    const limited = (await a.chat({ body: HELLO }).catch((e: unknown) => e)) as UpstreamError;
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfterMs).toBe(4_000);
    expect(limited.message).toContain('RESOURCE_EXHAUSTED');
    f.setBehaviour({ failure: 'token_limit', retryAfterSeconds: undefined });
    const tooLong = (await a.chat({ body: HELLO }).catch((e: unknown) => e)) as UpstreamError;
    expect(tooLong.kind).toBe('context_window_exceeded');
  });

  it('closed, it builds nothing more', async () => {
    const { a } = await setup();
    await a.close();
    await expect(a.chat({ body: HELLO })).rejects.toBeInstanceOf(UpstreamError);
  });

  it('builds the endpoint URL for a region and for global', () => {
    expect(vertexOpenApiUrl({ project: 'p', location: 'europe-west4' }).toString()).toBe(
      'https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4/endpoints/openapi/chat/completions',
    );
    expect(vertexOpenApiUrl({ project: 'p', location: 'global' }).origin).toBe('https://aiplatform.googleapis.com');
  });
});
