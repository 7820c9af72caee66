import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { parseConfig, type RouterSettings } from '@switchyard/config';
import { dep, group } from './test-support/deployments.js';
import { precallCheck, profileRequest } from './precall.js';
import { IMAGE_TOKENS_ESTIMATE, LOW_DETAIL_IMAGE_TOKENS } from './token-estimate.js';

/** Router defaults (default_max_tokens_estimate 256). */
const router: RouterSettings = parseConfig('model_list:\n  - model_name: g\n    litellm_params: { model: openai/g }\n').router;
const hello = { model: 'g', messages: [{ role: 'user', content: 'hello' }] };
/** Prompt tokens of `hello`: 3 (priming) + 3 (message) + 1. */
const HELLO = 7;

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city, in degrees Celsius, with wind speed and a short summary.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name, e.g. Lisbon' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
};

describe('tpm estimate: n choices', () => {
  it('reserves n × the completion cap (n: 8, max_tokens: 1000 is ~8k, not ~1k)', () => {
    expect(profileRequest({ ...hello, n: 8, max_tokens: 1_000 }, router).estimatedTokens).toBe(HELLO + 8_000);
    expect(profileRequest({ ...hello, n: 3, max_completion_tokens: 10, max_tokens: 99 }, router).estimatedTokens).toBe(HELLO + 30);
    expect(profileRequest({ ...hello, n: 2 }, router).estimatedTokens).toBe(HELLO + 2 * 256);
    expect(profileRequest({ ...hello, n: 1, max_tokens: 5 }, router).estimatedTokens).toBe(HELLO + 5);
  });

  it('a request whose n × max_tokens exceeds every tpm limit is rejected at submission', () => {
    const g = group(dep('a', { tpm: 5_000 }));
    expect(precallCheck(g, profileRequest({ ...hello, max_tokens: 1_000 }, router), router).rejection).toBeUndefined();
    expect(precallCheck(g, profileRequest({ ...hello, n: 8, max_tokens: 1_000 }, router), router).rejection?.reason).toBe('exceeds_tpm');
  });
});

describe('tpm estimate: tool and function schemas', () => {
  const schemaTokens = countTokens(JSON.stringify([weather]));

  it('counts tools as prompt tokens (their JSON text)', () => {
    const p = profileRequest({ ...hello, tools: [weather], max_tokens: 10 }, router);
    expect(schemaTokens).toBeGreaterThan(40);
    expect(p.promptTokens).toBe(HELLO + schemaTokens);
    expect(p.estimatedTokens).toBe(HELLO + schemaTokens + 10);
  });

  it('counts legacy functions, a forced tool_choice and a response_format schema', () => {
    const fn = weather.function;
    expect(profileRequest({ ...hello, functions: [fn] }, router).promptTokens).toBe(HELLO + countTokens(JSON.stringify([fn])));
    const choice = { type: 'function', function: { name: 'get_weather' } };
    expect(profileRequest({ ...hello, tools: [weather], tool_choice: choice }, router).promptTokens).toBe(
      HELLO + schemaTokens + countTokens(JSON.stringify(choice)),
    );
    expect(profileRequest({ ...hello, tools: [weather], tool_choice: 'auto' }, router).promptTokens).toBe(HELLO + schemaTokens);
    const format = { type: 'json_schema', json_schema: { name: 'w', schema: fn.parameters } };
    expect(profileRequest({ ...hello, response_format: format }, router).promptTokens).toBe(HELLO + countTokens(JSON.stringify(format)));
  });

  it("counts an assistant's tool calls in the conversation", () => {
    const call = [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }];
    const conversation = {
      model: 'g',
      messages: [hello.messages[0], { role: 'assistant', content: null, tool_calls: call }, { role: 'tool', tool_call_id: 'call_1', content: '21' }],
    };
    expect(profileRequest(conversation, router).promptTokens).toBe(HELLO + 3 + countTokens(JSON.stringify(call)) + 3 + countTokens('21'));
  });

  it('a tool-heavy request can exceed a tpm limit its messages alone fit in', () => {
    const tools = Array.from({ length: 40 }, (_, i) => ({ ...weather, function: { ...weather.function, name: `tool_${i}` } }));
    const g = group(dep('a', { tpm: 1_000 }));
    expect(precallCheck(g, profileRequest({ ...hello, max_tokens: 100 }, router), router).rejection).toBeUndefined();
    expect(precallCheck(g, profileRequest({ ...hello, tools, max_tokens: 100 }, router), router).rejection?.reason).toBe('exceeds_tpm');
  });
});

describe('tpm estimate: images', () => {
  const withImages = (...parts: unknown[]) => ({ model: 'g', messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }, ...parts] }] });
  const img = { type: 'image_url', image_url: { url: 'https://example.com/a.png' } };

  it('counts each image part at the documented per-image estimate (765; 85 at detail low)', () => {
    expect(IMAGE_TOKENS_ESTIMATE).toBe(765);
    expect(LOW_DETAIL_IMAGE_TOKENS).toBe(85);
    const one = profileRequest(withImages(img), router);
    expect(one.promptTokens).toBe(HELLO + IMAGE_TOKENS_ESTIMATE);
    expect(one.needsVision).toBe(true);
    expect(profileRequest(withImages(img, img, { type: 'input_image', image_url: 'data:,' }), router).promptTokens).toBe(HELLO + 3 * IMAGE_TOKENS_ESTIMATE);
    const low = { type: 'image_url', image_url: { url: 'data:,', detail: 'low' } };
    expect(profileRequest(withImages(low), router).promptTokens).toBe(HELLO + LOW_DETAIL_IMAGE_TOKENS);
    expect(profileRequest(withImages(img), router).estimatedTokens).toBe(HELLO + IMAGE_TOKENS_ESTIMATE + 256);
  });

  it('images count toward the context window check', () => {
    const g = group(dep('small', { maxInputTokens: 500 }), dep('large', { maxInputTokens: 10_000 }));
    expect(precallCheck(g, profileRequest(withImages(img), router), router).ineligible).toEqual(['small']);
  });
});
