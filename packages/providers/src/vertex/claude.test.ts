import type { Deployment } from '@switchyard/config';
import { generateServiceAccount, startVertexFake, type GeneratedServiceAccount, type VertexFake } from '@switchyard/mock-llm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatChunk } from '../adapter.js';
import { UpstreamError } from '../upstream-error.js';
import { createVertexClaudeAdapter } from './claude.js';

let sa: GeneratedServiceAccount;
let other: GeneratedServiceAccount;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  sa = generateServiceAccount();
  other = generateServiceAccount();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function fake(): Promise<VertexFake> {
  const f = await startVertexFake({ serviceAccounts: [sa.trusted] });
  open.push(f);
  return f;
}

function deployment(f: VertexFake, key: GeneratedServiceAccount = sa): Deployment {
  return {
    id: 'claude-vertex', group: 'claude', provider: 'vertex_ai', model: 'claude-sonnet-4@20250514', apiBase: f.url, tier: 0, weight: 1,
    timeoutMs: 10_000, supported: true, tags: [], defaultParams: {}, modelInfo: {},
    providerSettings: { vertex_project: 'proj-1', vertex_location: 'us-east5', vertex_credentials: JSON.stringify(key.json) },
  };
}

describe('Claude on Vertex AI (rawPredict / streamRawPredict)', () => {
  it('answers in OpenAI format through the fake, which checks the body shape and the service-account JWT', async () => {
    const f = await fake();
    const a = createVertexClaudeAdapter(deployment(f));
    open.push(a);
    const r = (await a.chat({ body: { model: 'claude', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] } })) as {
      object: string;
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: { total_tokens: number };
    };
    expect(r.object).toBe('chat.completion');
    expect(typeof r.choices[0]?.message.content).toBe('string');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage.total_tokens).toBeGreaterThan(0);
  });

  it('streams OpenAI chunks ending with a usage chunk', async () => {
    const f = await fake();
    const a = createVertexClaudeAdapter(deployment(f));
    open.push(a);
    const chunks: ChatChunk[] = [];
    for await (const c of await a.chatStream({ body: { model: 'claude', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 } })) chunks.push(c);
    const text = chunks.map((c) => ((c.choices as Array<{ delta?: { content?: string } }>)[0]?.delta?.content ?? '')).join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.at(-1)?.usage).toBeDefined();
  });

  it('a credential the fake does not trust is an auth error, with no token in the message', async () => {
    const f = await fake();
    const a = createVertexClaudeAdapter(deployment(f, other));
    open.push(a);
    const err = await a.chat({ body: { model: 'claude', messages: [{ role: 'user', content: 'hi' }] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe('auth');
    expect((err as UpstreamError).message).not.toMatch(/eyJ/);
  });
});
