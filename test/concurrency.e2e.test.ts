/**
 * No hidden concurrency ceiling (issue 8): one worker process holds more than 1 000 concurrent
 * upstream calls for a deployment without `max_parallel_requests`. The fake upstream holds each
 * call 20 s (long enough for the test to submit them all) and counts its concurrent peak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { writeConfig } from './helpers/config.js';
import { chatBody, settleJobs, submitJob, waitFor } from './helpers/jobs.js';
import { mapLimit, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const CALLS = 1_300;
let upstream: MockLlmServer;
let base: string;
const roles: RoleProcess[] = [];

beforeAll(async () => {
  const { url: redisUrl, redis } = await freshRedis();
  redis.disconnect();
  upstream = await startMockLlm({ name: 'wide', behaviour: { latencyMs: 20_000 } });
  const config = writeConfig(`
model_list:
  - model_name: wide
    litellm_params: { model: openai/m, api_base: "${upstream.url}/v1", timeout: 60 }
    model_info: { id: wide }
`);
  roles.push(
    ...(await Promise.all([
      startRole({ role: 'worker', config, redisUrl }),
      startRole({ role: 'scheduler', config, redisUrl }),
      startRole({ role: 'api', config, redisUrl }),
    ])),
  );
  base = roles[2]?.url as string;
}, 60_000);

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await upstream?.close();
});

describe('one worker process, no max_parallel_requests', () => {
  it(`holds over 1 000 concurrent upstream calls`, async () => {
    const t0 = Date.now();
    const submitted = await mapLimit(Array.from({ length: CALLS }), 100, (_x, i) => submitJob(base, chatBody('wide', `call ${i}`)));
    const ids = submitted.map((s) => s.id).filter((id): id is string => id !== undefined);
    expect(ids).toHaveLength(CALLS);
    console.log(`[concurrency] ${CALLS} jobs submitted in ${Date.now() - t0} ms; upstream in flight ${upstream.stats().inFlight}`);
    await waitFor(() => upstream.stats().maxInFlight >= 1_000, 20_000, 'over 1 000 calls open at the upstream at once').catch((err: unknown) => {
      throw new Error(`${String(err)} (peak ${upstream.stats().maxInFlight})`);
    });
    console.log(`[concurrency] upstream peak in flight ${upstream.stats().maxInFlight}`);
    const views = await settleJobs([base], ids, Date.now() + 60_000);
    expect(views.every((v) => v?.status === 'succeeded')).toBe(true);
  }, 120_000);
});
