import { describe, expect, it } from 'vitest';
import { parseConfig, type RouterSettings } from '@switchyard/config';
import { dep, group } from './test-support/deployments.js';
import { countPromptTokens, hasImageParts, precallCheck, profileRequest, tierLimit, tokenizableText } from './precall.js';

/** Router defaults, as a config without router_settings yields them. */
const router: RouterSettings = parseConfig('model_list:\n  - model_name: g\n    litellm_params: { model: openai/g }\n').router;
const text = (content: string) => ({ model: 'g', messages: [{ role: 'user', content }] });
const image = { model: 'g', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:,' } }] }] };

describe('token estimate', () => {
  it('counts prompt tokens the way OpenAI frames chats and adds the completion allowance', () => {
    expect(countPromptTokens([{ role: 'user', content: 'hello' }])).toBe(3 + 3 + 1);
    expect(profileRequest({ ...text('hello'), max_tokens: 93 }, router).estimatedTokens).toBe(100);
    expect(profileRequest(text('hello'), router).estimatedTokens).toBe(7 + 256);
    expect(profileRequest({ ...text('hello'), max_completion_tokens: 10, max_tokens: 99 }, router).estimatedTokens).toBe(17);
  });

  it('recognises image parts', () => {
    expect(hasImageParts(image.messages)).toBe(true);
    expect(hasImageParts(text('x').messages)).toBe(false);
  });
});

describe('pre-call checks', () => {
  it('drops deployments whose context window is too small; rejects when none is left', () => {
    const g = group(dep('small', { maxInputTokens: 5 }), dep('large', { maxInputTokens: 1_000 }));
    expect(precallCheck(g, profileRequest(text('hello there'), router), router)).toEqual({ ineligible: ['small'] });
    const only = group(dep('small', { maxInputTokens: 5 }));
    expect(precallCheck(only, profileRequest(text('hello there'), router), router).rejection?.reason).toBe('context_window_exceeded');
  });

  it('sends images only to deployments that declare vision when any does', () => {
    const g = group(dep('plain'), dep('vision', { supportsVision: true }));
    expect(precallCheck(g, profileRequest(image, router), router).ineligible).toEqual(['plain']);
    expect(precallCheck(group(dep('plain')), profileRequest(image, router), router).ineligible).toEqual([]);
    expect(precallCheck(group(dep('no', { supportsVision: false })), profileRequest(image, router), router).rejection?.reason).toBe(
      'vision_not_supported',
    );
  });

  it('filters by tags when enabled', () => {
    const tagged = { ...router, enableTagFiltering: true };
    const g = group(dep('free', { tags: ['free'] }), dep('paid', { tags: ['paid', 'default'] }));
    const withTag = { ...text('x'), metadata: { tags: ['free'] } };
    expect(precallCheck(g, profileRequest(withTag, tagged), tagged).ineligible).toEqual(['paid']);
    expect(precallCheck(g, profileRequest(text('x'), tagged), tagged).ineligible).toEqual(['free']);
    expect(precallCheck(g, profileRequest({ ...text('x'), metadata: { tags: ['none'] } }, tagged), tagged).rejection?.reason).toBe('no_tag_match');
    expect(precallCheck(g, profileRequest(withTag, router), router).ineligible).toEqual([]);
  });

  it('rejects a request bigger than every tpm limit', () => {
    const g = group(dep('a', { tpm: 100 }));
    expect(precallCheck(g, profileRequest({ ...text('x'), max_tokens: 500 }, router), router).rejection?.reason).toBe('exceeds_tpm');
  });
});

describe('overflow tier limit', () => {
  const g = group(dep('a'), dep('b', { tier: 1 }));
  const waiting = { ...router, overflow: { g: { policy: 'wait' as const, maxWaitMs: 1_000 } } };
  it('limits to the best tier until max_wait_ms after submission, then lifts', () => {
    expect(tierLimit(g, waiting, { createdAt: 0, exclude: [], ineligible: [] }, 500)).toEqual({ limit: 0, until: 1_000 });
    expect(tierLimit(g, waiting, { createdAt: 0, exclude: [], ineligible: [] }, 1_000)).toEqual({});
    expect(tierLimit(g, router, { createdAt: 0, exclude: [], ineligible: [] }, 500)).toEqual({});
  });
  it('the best tier is the best one the job can still use', () => {
    expect(tierLimit(g, waiting, { createdAt: 0, exclude: ['a'], ineligible: [] }, 0).limit).toBe(1);
    expect(tierLimit(g, { ...router, overflow: { '*': { policy: 'wait', maxWaitMs: 10 } } }, { createdAt: 0, exclude: [], ineligible: ['a'] }, 0).limit).toBe(1);
  });
});

describe('token estimate on hostile text', () => {
  const body = (content: unknown) => ({ model: 'g', messages: [{ role: 'user', content }] });

  it('counts ordinary prose exactly as the tokenizer does', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
    expect(tokenizableText(prose)).toBe(prose);
  });

  it('counts special-token strings as text instead of throwing', () => {
    const p = profileRequest(body([{ type: 'text', text: 'say <|endoftext|> and <|endofprompt|>' }]), router);
    expect(p.promptTokens).toBeGreaterThan(6);
  });

  it('profiles 2 MB without word breaks without blocking for minutes', () => {
    for (const run of ['a', ' ', '!', '\n']) {
      const t0 = Date.now();
      const p = profileRequest(body(run.repeat(2_000_000)), router);
      expect(Date.now() - t0).toBeLessThan(10_000); // unbroken, this took ~40 minutes
      expect(p.promptTokens).toBeGreaterThan(1_000);
    }
  });
});
