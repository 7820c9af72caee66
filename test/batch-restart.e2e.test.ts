/**
 * Restart safety of batches with split roles: the API and a worker are killed (SIGKILL)
 * mid-batch and restarted, then the scheduler (which runs the feeder) too; the batch completes
 * with every line exactly once in its output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { chatLine, fileLines, jsonl, pollBatch, submitBatch } from './helpers/batches.js';
import { writeConfig } from './helpers/config.js';
import { killRole, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-restart-master';
const LINES = 200;
let mock: MockLlmServer;
let config: string;
let redisUrl: string;
const roles: RoleProcess[] = [];
const env = { SWITCHYARD_LOCK_MS: '2000', SWITCHYARD_LEASE_TTL_MS: '3000', SWITCHYARD_BATCH_WINDOW: '24' };

async function start(role: 'api' | 'scheduler' | 'worker'): Promise<RoleProcess> {
  const r = await startRole({ role, config, redisUrl, env });
  roles.push(r);
  return r;
}

const clientOf = (api: RoleProcess) => new OpenAI({ apiKey: KEY, baseURL: `${api.url}/v1`, maxRetries: 2 });

beforeAll(async () => {
  const r = await freshRedis();
  redisUrl = r.url;
  mock = await startMockLlm({ name: 'restart', behaviour: { latencyMs: 60, echo: true } });
  config = writeConfig(`
model_list:
  - model_name: m
    litellm_params: { model: openai/m, api_base: "${mock.url}/v1", max_parallel_requests: 6 }
    model_info: { id: m-1 }
general_settings:
  master_key: ${KEY}
`);
});

afterAll(async () => {
  await Promise.all(roles.map((r) => r.stop()));
  await mock?.close();
});

describe('batch restart safety', () => {
  it('kill the API and a worker, then the scheduler, mid-batch: every line exactly once', async () => {
    const worker = await start('worker');
    const scheduler = await start('scheduler');
    const api = await start('api');
    const lines = Array.from({ length: LINES }, (_x, i) => chatLine(`k-${i}`, 'm', `restart ${i}`));
    const b = await submitBatch(clientOf(api), jsonl(lines));
    await pollBatch(clientOf(api), b.id, 30_000, (x) => (x.request_counts?.completed ?? 0) >= 30);
    await Promise.all([killRole(api, 'SIGKILL'), killRole(worker, 'SIGKILL')]);
    await new Promise((r) => setTimeout(r, 500));
    const api2 = await start('api');
    await start('worker');
    const mid = await pollBatch(clientOf(api2), b.id, 30_000, (x) => (x.request_counts?.completed ?? 0) >= 100);
    expect(mid.status).toBe('in_progress');
    // the feeder's process dies too: another scheduler takes the batch over after its lease
    await killRole(scheduler, 'SIGKILL');
    await start('scheduler');
    const done = await pollBatch(clientOf(api2), b.id, 90_000);
    expect(done.status).toBe('completed');
    const out = await fileLines(clientOf(api2), done.output_file_id);
    const errs = await fileLines(clientOf(api2), done.error_file_id);
    expect(errs).toEqual([]);
    expect(done.request_counts).toEqual({ total: LINES, completed: LINES, failed: 0 });
    expect(out).toHaveLength(LINES);
    const ids = out.map((l) => l.custom_id as string);
    expect(new Set(ids).size).toBe(LINES);
    expect(new Set(ids)).toEqual(new Set(lines.map((l) => l.custom_id)));
    for (const l of out) {
      const body = (l.response as { body: { choices: { message: { content: string } }[] } }).body;
      expect(body.choices[0]?.message.content).toBe(`restart ${String(l.custom_id).slice(2)}`);
    }
  }, 180_000);
});
