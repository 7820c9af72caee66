import type { Deployment } from '@switchyard/config';
import { startAzureFake, type AzureFake } from '@switchyard/mock-llm';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatChunk } from '../adapter.js';
import { createAdapter } from '../registry.js';
import { UpstreamError } from '../upstream-error.js';
import { AzureOpenAIAdapter, azureChatUrl, takesStreamOptions } from './azure.js';

const KEY = 'azure-key-0123456789abcdef';
const AD_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-entra-token';
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function fake(): Promise<AzureFake> {
  const f = await startAzureFake({ apiKey: KEY, deployments: ['gpt4o-prod'], adTokens: [AD_TOKEN], behaviour: { echo: true } });
  open.push(f);
  return f;
}

function deployment(f: AzureFake, over: Partial<Deployment> = {}): Deployment {
  return {
    id: 'az1',
    group: 'gpt-4o',
    provider: 'azure',
    model: 'gpt4o-prod',
    apiBase: f.url,
    apiKey: KEY,
    apiVersion: '2024-10-21',
    tier: 0,
    weight: 1,
    timeoutMs: 10_000,
    supported: true,
    tags: [],
    defaultParams: {},
    modelInfo: {},
    providerSettings: {},
    ...over,
  };
}

function adapter(d: Deployment): AzureOpenAIAdapter {
  const a = new AzureOpenAIAdapter(d);
  open.push(a);
  return a;
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

const BODY = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello azure' }] };

describe('azureChatUrl', () => {
  it('builds the deployment URL, tolerating a trailing /openai', () => {
    expect(azureChatUrl('https://r.openai.azure.com/', 'd 1', '2024-10-21')).toBe('https://r.openai.azure.com/openai/deployments/d%201/chat/completions?api-version=2024-10-21');
    expect(azureChatUrl('https://r.openai.azure.com/openai', 'd', 'v')).toBe('https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=v');
  });
});

describe('AzureOpenAIAdapter against the Azure fake', () => {
  it('is what the registry builds for azure/…', async () => {
    const f = await fake();
    const a = createAdapter(deployment(f));
    open.push(a);
    expect(a).toBeInstanceOf(AzureOpenAIAdapter);
  });

  it('answers a plain call with api-key and api-version', async () => {
    const f = await fake();
    const res = (await adapter(deployment(f)).chat({ body: BODY })) as { choices: Array<{ message: { content: string } }>; usage: unknown };
    expect(res.choices[0]?.message.content).toBe('hello azure');
    expect(res.usage).toMatchObject({ completion_tokens: 2 });
    expect(f.stats()).toMatchObject({ requests: 1, authFailures: 0, lastQuery: 'api-version=2024-10-21' });
  });

  it('streams with usage requested', async () => {
    const f = await fake();
    const chunks: ChatChunk[] = [];
    for await (const c of await adapter(deployment(f)).chatStream({ body: BODY })) chunks.push(c);
    expect(f.stats().lastBody).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const text = chunks.flatMap((c) => (c.choices as Array<{ delta?: { content?: string } }>).map((ch) => ch.delta?.content ?? '')).join('');
    expect(text).toBe('hello azure');
    expect(chunks[chunks.length - 1]).toMatchObject({ choices: [], usage: { completion_tokens: 2 } });
    // Azure's prompt-filter-only opening chunk is not relayed
    expect(chunks[0]).toMatchObject({ id: expect.stringMatching(/^chatcmpl-/), choices: [{ delta: { role: 'assistant' } }] });
    expect(chunks.some((c) => 'prompt_filter_results' in c)).toBe(false);
  });

  it('sends no stream_options to api-versions that refuse them (before 2024-09-01)', async () => {
    const f = await fake();
    const chunks: ChatChunk[] = [];
    const body = { ...BODY, stream_options: { include_usage: true } };
    for await (const c of await adapter(deployment(f, { apiVersion: '2024-02-01' })).chatStream({ body })) chunks.push(c);
    expect(f.stats().lastBody).not.toHaveProperty('stream_options');
    expect(f.stats().lastBody).toMatchObject({ stream: true });
    expect(chunks.length).toBeGreaterThan(0);
    expect([takesStreamOptions('2024-06-01'), takesStreamOptions('2024-09-01-preview'), takesStreamOptions('2025-04-01-preview'), takesStreamOptions('preview')]).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it('authenticates with azure_ad_token as a bearer', async () => {
    const f = await fake();
    const { apiKey: _k, ...noKey } = deployment(f);
    const res = (await adapter({ ...noKey, providerSettings: { azure_ad_token: AD_TOKEN } }).chat({ body: BODY })) as { choices: unknown[] };
    expect(res.choices).toHaveLength(1);
  });

  it('a wrong or missing key → the fake 401 → auth', async () => {
    const f = await fake();
    const wrong = await failure(adapter(deployment(f, { apiKey: 'wrong-key-0000000000' })).chat({ body: BODY }));
    expect(wrong).toMatchObject({ kind: 'auth', status: 401 });
    expect(wrong.message).toContain('Access denied due to invalid subscription key');
    const { apiKey: _k, ...noKey } = deployment(f);
    expect(await failure(adapter(noKey).chatStream({ body: BODY }))).toMatchObject({ kind: 'auth', status: 401 });
    expect(f.stats().authFailures).toBe(2);
  });

  it('a missing api_version is a bad_request before anything is sent; an unsupported one is the fake 400', async () => {
    const f = await fake();
    const { apiVersion: _v, ...noVersion } = deployment(f);
    const missing = await failure(adapter(noVersion).chat({ body: BODY }));
    expect(missing).toMatchObject({ kind: 'bad_request' });
    expect(missing.message).toContain('api_version');
    expect(f.stats().requests).toBe(0);
    const bad = await failure(adapter(deployment(f, { apiVersion: 'latest' })).chat({ body: BODY }));
    expect(bad).toMatchObject({ kind: 'bad_request', status: 400 });
  });

  it('an unknown deployment → 404 DeploymentNotFound → not_found; 429 keeps retry-after', async () => {
    const f = await fake();
    expect(await failure(adapter(deployment(f, { model: 'nope' })).chat({ body: BODY }))).toMatchObject({ kind: 'not_found', status: 404 });
    f.setBehaviour({ failStatus: 429, retryAfterSeconds: 2 });
    expect(await failure(adapter(deployment(f)).chat({ body: BODY }))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 });
    f.setBehaviour({ failStatus: 503 });
    expect(await failure(adapter(deployment(f)).chat({ body: BODY }))).toMatchObject({ kind: 'server', status: 503 });
  });
});
