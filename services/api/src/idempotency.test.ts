import { describe, expect, it } from 'vitest';
import { idempotencyRedisKey, requestFingerprint } from './idempotency.js';

describe('idempotency helpers', () => {
  it('names the key sy:idem:{sha256(key)} whatever characters the key has', () => {
    expect(idempotencyRedisKey('abc')).toBe('sy:idem:{ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad}');
    expect(idempotencyRedisKey('a:{b}/\u0001')).toMatch(/^sy:idem:\{[0-9a-f]{64}\}$/);
  });

  it('fingerprints the canonical request: key order does not matter, endpoint and values do', () => {
    const a = requestFingerprint('jobs', JSON.parse('{"body":{"model":"m","messages":[]},"priority":1}'));
    const b = requestFingerprint('jobs', JSON.parse('{"priority":1,"body":{"messages":[],"model":"m"}}'));
    expect(a).toBe(b);
    expect(requestFingerprint('chat.completions', { priority: 1 })).not.toBe(requestFingerprint('jobs', { priority: 1 }));
    expect(requestFingerprint('jobs', { priority: 1 })).not.toBe(requestFingerprint('jobs', { priority: 2 }));
  });
});
