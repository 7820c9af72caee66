import { describe, expect, it } from 'vitest';
import { DEFAULT_BEDROCK_BEHAVIOUR } from './behaviour.js';
import { claudeInvoke } from './claude-invoke.js';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };

describe('Bedrock fake: Claude in the Messages format', () => {
  it('answers a valid body, its stream ending with the invocation metrics', () => {
    const r = claudeInvoke(MODEL, { ...body, anthropic_beta: ['interleaved-thinking-2025-05-14'] }, DEFAULT_BEDROCK_BEHAVIOUR);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(JSON.parse(r.message)).toMatchObject({ type: 'message', model: MODEL });
    expect(r.events[0]?.type).toBe('message_start');
    expect(r.events.at(-1)).toMatchObject({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': { outputTokenCount: expect.any(Number) } });
  });

  it('refuses what Bedrock refuses: no anthropic_version, model, stream or other Anthropic-only fields, unknown betas', () => {
    const refused = (json: unknown) => claudeInvoke(MODEL, json, DEFAULT_BEDROCK_BEHAVIOUR);
    const { anthropic_version: _v, ...noVersion } = body;
    expect(refused(noVersion)).toMatchObject({ ok: false, message: expect.stringContaining('anthropic_version') });
    for (const k of ['model', 'stream', 'service_tier', 'metadata', 'container']) {
      expect(refused({ ...body, [k]: k === 'stream' ? true : 'x' })).toMatchObject({ ok: false, message: expect.stringContaining(`extraneous key [${k}]`) });
    }
    expect(refused({ ...body, anthropic_beta: ['claude-code-20250219'] })).toEqual({ ok: false, message: 'invalid beta flag: claude-code-20250219' });
    expect(refused({ ...body, max_tokens: undefined })).toMatchObject({ ok: false, message: 'max_tokens: Field required' });
  });
});
