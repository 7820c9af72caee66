import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '@switchyard/core';
import { batchWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from './batches.js';

describe('metadata.webhook_url', () => {
  it('accepts absolute http and https URLs of up to 512 characters, and no webhook at all', () => {
    const long = `https://example.com/${'a'.repeat(MAX_WEBHOOK_URL_LENGTH - 'https://example.com/'.length)}`;
    for (const url of ['https://hooks.example.com/batch?token=abc', 'http://127.0.0.1:8080/hook', long]) {
      expect(batchWebhookUrl({ webhook_url: url })).toBe(url);
    }
    expect(batchWebhookUrl({ other: 'x' })).toBeUndefined();
    expect(batchWebhookUrl(null)).toBeUndefined();
    expect(batchWebhookUrl(undefined)).toBeUndefined();
  });

  it.each([
    ['a relative path', '/hook', /absolute http or https URL/],
    ['text', 'not a url', /absolute http or https URL/],
    ['an empty string', '', /absolute http or https URL/],
    ['another scheme', 'ftp://example.com/hook', /http or https URL/],
    ['a javascript: URL', 'javascript:alert(1)', /http or https URL/],
    ['credentials', 'https://user:secret@example.com/hook', /credentials/],
    ['more than 512 characters', `https://example.com/${'a'.repeat(MAX_WEBHOOK_URL_LENGTH)}`, /at most 512/],
  ])('refuses %s with a 400 on metadata.webhook_url', (_name, url, message) => {
    let err: unknown;
    try {
      batchWebhookUrl({ webhook_url: url });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).toBody().error).toMatchObject({
      type: 'invalid_request_error',
      param: 'metadata.webhook_url',
      code: 'invalid_webhook_url',
      message: expect.stringMatching(message),
    });
    expect((err as InvalidRequestError).status).toBe(400);
  });
});
