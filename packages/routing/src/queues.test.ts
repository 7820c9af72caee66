import { describe, expect, it } from 'vitest';
import { dispatchId, leaseIdFor } from './queues.js';

describe('dispatch ids', () => {
  it('names dispatches by group, attempt and re-route, and gives every reservation its own lease id', () => {
    expect(dispatchId({ id: 'j', groupIndex: 1, groupAttempts: 2 })).toBe('j.1.2');
    expect(dispatchId({ id: 'j', groupIndex: 1, groupAttempts: 2, hop: 3 })).toBe('j.1.2.r3');
    const p = { id: 'j', groupIndex: 0, groupAttempts: 0 };
    expect(leaseIdFor(p)).not.toBe(leaseIdFor(p));
    expect(leaseIdFor(p).startsWith('j.0.0~')).toBe(true);
  });
});
