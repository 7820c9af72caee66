/**
 * `/metrics` after known traffic, in split roles: the API runs alone (no worker in its process),
 * so its scrape shows the cluster-wide gauges from Redis, and the worker's own listener
 * (`SWITCHYARD_METRICS_PORT`) shows the counters it saw. Then standalone (`start`): one process,
 * one scrape with both.
 *
 * Groups: `m` (m-a tier 1 with rpm 100 and prices, m-b tier 2); `c` (c-a answers 429 → cooled
 * down at once, the retry goes to c-b); `fb` (fb-a answers 500, no other deployment → fallback
 * to `fbt`); `q` (one slow deployment with max_parallel_requests 1, for in-flight and depth).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import type { Redis } from '@switchyard/core';
import { writeConfig } from './helpers/config.js';
import { chatBody, waitFor } from './helpers/jobs.js';
import { startRole, type RoleProcess } from './helpers/processes.js';
import { parseProm, scrape, value, type Sample } from './helpers/prom.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-master-metrics-test';
const PROVIDER_KEY = 'sk-provider-secret-never-shown';
const IN_PRICE = 0.001;
const OUT_PRICE = 0.002;

let redis: Redis;
let redisUrl: string;
const mocks: Record<string, MockLlmServer> = {};

function configYaml(): string {
  const u = (n: string): string => `${(mocks[n] as MockLlmServer).url}/v1`;
  return `
model_list:
  - model_name: m
    litellm_params: { model: openai/m, api_base: "${u('ma')}", api_key: "${PROVIDER_KEY}", order: 1, rpm: 100, input_cost_per_token: ${IN_PRICE}, output_cost_per_token: ${OUT_PRICE} }
    model_info: { id: m-a }
  - model_name: m
    litellm_params: { model: openai/m, api_base: "${u('mb')}", order: 2 }
    model_info: { id: m-b }
  - model_name: c
    litellm_params: { model: openai/m, api_base: "${u('ca')}", order: 1 }
    model_info: { id: c-a }
  - model_name: c
    litellm_params: { model: openai/m, api_base: "${u('cb')}", order: 2 }
    model_info: { id: c-b }
  - model_name: fb
    litellm_params: { model: openai/m, api_base: "${u('fba')}" }
    model_info: { id: fb-a }
  - model_name: fbt
    litellm_params: { model: openai/m, api_base: "${u('fbt')}" }
    model_info: { id: fbt-a }
  - model_name: q
    litellm_params: { model: openai/m, api_base: "${u('q')}", max_parallel_requests: 1 }
    model_info: { id: q-a }
router_settings:
  num_retries: 2
  cooldown_time: 60
  fallbacks: [{ fb: [fbt] }]
general_settings:
  master_key: ${KEY}
`;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

async function chat(base: string, model: string, i: number): Promise<{ status: number; deployment: string | null; usage?: Usage }> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(chatBody(model, `metrics request number ${i}`)),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { usage?: Usage };
  return { status: res.status, deployment: res.headers.get('x-switchyard-deployment'), ...(body.usage ? { usage: body.usage } : {}) };
}

beforeAll(async () => {
  ({ url: redisUrl, redis } = await freshRedis());
  for (const n of ['ma', 'mb', 'ca', 'cb', 'fba', 'fbt', 'q']) mocks[n] = await startMockLlm({ name: n });
  mocks.ca?.setBehaviour({ failStatus: 429, retryAfterSeconds: 1 });
  mocks.fba?.setBehaviour({ failStatus: 500 });
  mocks.q?.setBehaviour({ latencyMs: 8_000 });
});

afterAll(async () => {
  await Promise.all(Object.values(mocks).map((m) => m.close()));
  redis?.disconnect();
});

describe('split roles: the API (no worker) shows the cluster state, the worker its counters', () => {
  const roles: RoleProcess[] = [];
  let api: string;
  let workerMetrics: string;

  beforeAll(async () => {
    const config = writeConfig(configYaml());
    const [worker, scheduler] = await Promise.all([
      startRole({ role: 'worker', config, redisUrl, env: { SWITCHYARD_METRICS_PORT: '0' }, readyText: 'switchyard metrics on ' }),
      startRole({ role: 'scheduler', config, redisUrl }),
    ]);
    const apiRole = await startRole({ role: 'api', config, redisUrl });
    roles.push(worker, scheduler, apiRole);
    api = apiRole.url as string;
    workerMetrics = /switchyard metrics on (\S+)/.exec(worker.output())?.[1] as string;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(roles.map((r) => r.stop()));
  });

  it('requires the master key on /metrics (API and worker listener)', async () => {
    expect((await fetch(`${api}/metrics`)).status).toBe(401);
    expect((await fetch(`${api}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(workerMetrics)).status).toBe(401);
    expect((await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
  });

  it('has the exact values after known traffic', async () => {
    let prompt = 0;
    let completion = 0;
    for (let i = 0; i < 20; i++) {
      const r = await chat(api, 'm', i);
      expect(r).toMatchObject({ status: 200, deployment: 'm-a' });
      prompt += r.usage?.prompt_tokens ?? 0;
      completion += r.usage?.completion_tokens ?? 0;
    }
    expect(await chat(api, 'c', 0)).toMatchObject({ status: 200, deployment: 'c-b' });
    expect(await chat(api, 'fb', 0)).toMatchObject({ status: 200, deployment: 'fbt-a' });
    // Four async jobs on q: one runs (8 s), three wait in its ingress queue.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${api}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ body: chatBody('q', `slow ${i}`) }),
      });
      expect(res.status).toBe(202);
    }

    // The API's scrape: cluster-wide state from Redis, although this process ran no call.
    const text = await (await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
    expect(text).not.toContain(PROVIDER_KEY);
    expect(text).not.toContain(KEY);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    const s = await waitFor(
      async () => {
        const x = await scrape(`${api}/metrics`, KEY);
        return value(x, 'switchyard_queue_depth', { model_group: 'q' }) === 3 && value(x, 'switchyard_deployment_in_flight', { deployment: 'q-a' }) === 1 ? x : undefined;
      },
      10_000,
      'q has one job running and three waiting',
    );
    const dep = (group: string, deployment: string): Record<string, string> => ({ model_group: group, deployment });
    expect(s.filter((x) => x.name === 'switchyard_requests_total'), 'the API process saw no upstream call').toEqual([]);
    expect(value(s, 'switchyard_deployment_state', dep('c', 'c-a'))).toBe(2);
    expect(value(s, 'switchyard_deployment_state', dep('c', 'c-b'))).toBe(0);
    expect(value(s, 'switchyard_deployment_state', dep('m', 'm-a'))).toBe(0);
    expect(value(s, 'switchyard_deployment_cooldown_remaining_seconds', { ...dep('c', 'c-a'), cause: 'rate_limited' })).toBeGreaterThan(50);
    expect(value(s, 'switchyard_deployment_cooldown_remaining_seconds', dep('m', 'm-a'))).toBeUndefined();
    expect(value(s, 'switchyard_deployment_rpm_used', dep('m', 'm-a'))).toBe(20);
    expect(value(s, 'switchyard_deployment_rpm_limit', dep('m', 'm-a'))).toBe(100);
    expect(value(s, 'switchyard_deployment_rpm_limit', dep('m', 'm-b'))).toBeUndefined();
    expect(value(s, 'switchyard_deployment_dispatches_total', dep('m', 'm-a'))).toBe(20);
    expect(value(s, 'switchyard_deployment_dispatches_total', dep('m', 'm-b'))).toBe(0);
    expect(value(s, 'switchyard_deployment_dispatches_total', dep('c', 'c-a'))).toBe(1);
    expect(value(s, 'switchyard_deployment_dispatches_total', dep('c', 'c-b'))).toBe(1);
    expect(value(s, 'switchyard_deployment_in_flight', dep('m', 'm-a'))).toBe(0);
    expect(value(s, 'switchyard_deployment_max_parallel_requests', dep('q', 'q-a'))).toBe(1);
    expect(value(s, 'switchyard_queue_depth', { model_group: 'm' })).toBe(0);
    expect(value(s, 'switchyard_deployment_info', { ...dep('m', 'm-b'), tier: '2' })).toBe(1);

    // The worker's own counters: what it saw.
    const w = await scrape(workerMetrics, KEY);
    const outcome = (group: string, deployment: string, o: string): number | undefined =>
      value(w, 'switchyard_requests_total', { ...dep(group, deployment), outcome: o });
    expect(outcome('m', 'm-a', 'success')).toBe(20);
    expect(outcome('m', 'm-b', 'success')).toBeUndefined();
    expect(outcome('c', 'c-a', 'rate_limited')).toBe(1);
    expect(outcome('c', 'c-b', 'success')).toBe(1);
    expect(outcome('fb', 'fb-a', 'server')).toBe(1);
    expect(outcome('fbt', 'fbt-a', 'success')).toBe(1);
    expect(value(w, 'switchyard_request_duration_seconds_count', dep('m', 'm-a'))).toBe(20);
    expect(value(w, 'switchyard_queue_wait_seconds_count', { model_group: 'm' })).toBe(20);
    expect(value(w, 'switchyard_queue_wait_seconds_count', { model_group: 'fbt' })).toBeUndefined();
    expect(value(w, 'switchyard_retries_total', { model_group: 'c', reason: 'rate_limited' })).toBe(1);
    expect(value(w, 'switchyard_fallbacks_total', { from: 'fb', to: 'fbt' })).toBe(1);
    expect(prompt).toBeGreaterThan(0);
    expect(value(w, 'switchyard_tokens_total', { ...dep('m', 'm-a'), kind: 'prompt' })).toBe(prompt);
    expect(value(w, 'switchyard_tokens_total', { ...dep('m', 'm-a'), kind: 'completion' })).toBe(completion);
    expect(value(w, 'switchyard_cost_total', dep('m', 'm-a'))).toBeCloseTo(IN_PRICE * prompt + OUT_PRICE * completion, 9);
    expect(value(w, 'switchyard_cost_total', dep('c', 'c-b')), 'no cost where none is configured').toBeUndefined();
  }, 60_000);

  it('/model/info, /model_group/info and /health show the same state in LiteLLM\'s shapes, without secrets', async () => {
    const get = async (path: string): Promise<{ status: number; text: string }> => {
      const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
      return { status: res.status, text: await res.text() };
    };
    for (const path of ['/model/info', '/model_group/info', '/health']) {
      expect((await fetch(`${api}${path}`)).status, `${path} needs the key`).toBe(401);
    }
    const info = await get('/model/info');
    expect(info.text).not.toContain(PROVIDER_KEY);
    const rows = (JSON.parse(info.text) as { data: { model_name: string; num_requests: number; model_info: Record<string, unknown> }[] }).data;
    // jq '.data[] | {model: .model_name, requests: .num_requests}'
    const requests = rows.map((r) => ({ model: r.model_name, id: r.model_info.id, requests: r.num_requests }));
    expect(requests).toContainEqual({ model: 'm', id: 'm-a', requests: 20 });
    expect(requests).toContainEqual({ model: 'm', id: 'm-b', requests: 0 });
    expect(rows.find((r) => r.model_info.id === 'c-a')?.model_info).toMatchObject({ state: 'cooling down', cooldown_cause: 'rate_limited', tier: 1 });

    const groups = (JSON.parse((await get('/model_group/info')).text) as { data: Record<string, unknown>[] }).data;
    expect(groups.find((g) => g.model_group === 'm')).toMatchObject({
      providers: ['openai'],
      rpm: null,
      num_requests: 20,
      input_cost_per_token: IN_PRICE,
      output_cost_per_token: OUT_PRICE,
      tiers: [1, 2],
      deployments: [
        { id: 'm-a', tier: 1, state: 'healthy' },
        { id: 'm-b', tier: 2, state: 'healthy' },
      ],
    });

    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(health.text).not.toContain(PROVIDER_KEY);
    const h = JSON.parse(health.text) as { healthy_count: number; unhealthy_count: number; unhealthy_endpoints: Record<string, unknown>[] };
    expect(h.unhealthy_endpoints.map((e) => e.model_id)).toEqual(['c-a']);
    expect(h.unhealthy_endpoints[0]).toMatchObject({ model_name: 'c', state: 'cooling down', cooldown_cause: 'rate_limited' });
    expect(h.healthy_count).toBe(6);
  });
});

describe('standalone: one process, one scrape with counters and cluster state', () => {
  let role: RoleProcess | undefined;

  afterAll(async () => {
    await role?.stop();
  });

  it('counts and reads in the same scrape; SWITCHYARD_METRICS_PUBLIC=1 opens /metrics only', async () => {
    await redis.flushall();
    const config = writeConfig(configYaml());
    role = await startRole({ role: 'start', config, redisUrl, env: { SWITCHYARD_METRICS_PUBLIC: '1' } });
    const base = role.url as string;
    for (let i = 0; i < 5; i++) expect(await chat(base, 'm', i)).toMatchObject({ status: 200, deployment: 'm-a' });
    expect(await chat(base, 'c', 0)).toMatchObject({ status: 200, deployment: 'c-b' });
    expect((await fetch(`${base}/v1/models`)).status, 'everything else still needs the key').toBe(401);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const s: Sample[] = parseProm(text);
    // The Grafana dashboard only uses metrics that exist.
    const dashboard = readFileSync(fileURLToPath(new URL('../docs/grafana-dashboard.json', import.meta.url)), 'utf8');
    const used = new Set([...dashboard.matchAll(/switchyard_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')));
    for (const name of used) expect(text, `${name} is exposed`).toContain(`# HELP ${name} `);
    expect(value(s, 'switchyard_requests_total', { model_group: 'm', deployment: 'm-a', outcome: 'success' })).toBe(5);
    expect(value(s, 'switchyard_requests_total', { model_group: 'c', deployment: 'c-a', outcome: 'rate_limited' })).toBe(1);
    expect(value(s, 'switchyard_deployment_rpm_used', { model_group: 'm', deployment: 'm-a' })).toBe(5);
    expect(value(s, 'switchyard_deployment_state', { model_group: 'c', deployment: 'c-a' })).toBe(2);
    expect(value(s, 'switchyard_retries_total', { model_group: 'c', reason: 'rate_limited' })).toBe(1);
  }, 60_000);
});
