import { describe, expect, it } from 'vitest';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ProviderAdapter } from './adapter.js';
import { GuardedAdapter } from './breaker.js';
import { UpstreamError } from './upstream-error.js';

const dep = { id: 'd', group: 'g', timeoutMs: 1_000 } as Deployment;

/** A provider that fails every call the way a dead upstream would. */
class FailingProvider implements ProviderAdapter {
  calls = 0;
  async chat(_call: ChatCall): Promise<unknown> {
    this.calls++;
    throw new UpstreamError('server', 'upstream 500', 500);
  }
  async close(): Promise<void> {}
}

describe('GuardedAdapter mirrors the shared health state (one health model)', () => {
  it('settles only when the adapter does: no rejection while the call is still open', async () => {
    // The adapter enforces the timeout (and aborts its request); a breaker timer that rejected
    // first would let the worker free the lease while the request still runs.
    let ended = false;
    const slow: ProviderAdapter = {
      async chat() {
        await new Promise((r) => setTimeout(r, 80));
        ended = true;
        throw new UpstreamError('timeout', 'upstream did not answer within 50 ms');
      },
      async close() {},
    };
    const a = new GuardedAdapter({ ...dep, timeoutMs: 50 } as Deployment, slow);
    await expect(a.chat({ body: {} })).rejects.toMatchObject({ kind: 'timeout' });
    expect(ended).toBe(true);
    await a.close();
  });

  it('never opens on a rule of its own, however many calls fail or are aborted', async () => {
    const provider = new FailingProvider();
    const a = new GuardedAdapter(dep, provider);
    for (let i = 0; i < 50; i++) await expect(a.chat({ body: {} })).rejects.toMatchObject({ kind: 'server' });
    expect(a.opened).toBe(false);
    expect(provider.calls).toBe(50);
    await a.close();
  });

  it('fails fast while a shared cooldown lasts, and lets calls through when it ends', async () => {
    const provider = new FailingProvider();
    const a = new GuardedAdapter(dep, provider);
    a.mirrorCooldown(100);
    await expect(a.chat({ body: {} })).rejects.toMatchObject({ kind: 'breaker_open' });
    expect(provider.calls).toBe(0);
    a.mirrorCooldown(10); // a shorter cooldown never shortens the mirror
    await new Promise((r) => setTimeout(r, 40));
    expect(a.opened).toBe(true);
    await new Promise((r) => setTimeout(r, 90));
    expect(a.opened).toBe(false);
    await expect(a.chat({ body: {} })).rejects.toMatchObject({ kind: 'server' });
    expect(provider.calls).toBe(1);
    await a.close();
  });
});
