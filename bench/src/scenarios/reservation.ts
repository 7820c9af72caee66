/**
 * Section 5a: the cost of one routing decision. Sequential `RoutingState.reserve` calls (one
 * Lua script each) against one model group of n deployments with rpm and tpm budgets, each
 * followed at once by its `release`, so in-flight counts stay at 0–1.
 */
import { parseConfig, type ModelGroup, type RoutingStrategy } from '@switchyard/config';
import { createRedis, routingKeys, type Redis } from '@switchyard/core';
import { RoutingState } from '@switchyard/routing';
import { percentile } from '../load.js';
import { log } from '../log.js';
import { commandStat, statDelta, StatSum, type CommandStat } from '../redis-stats.js';
import { errorText, type ReservationResult } from '../results.js';

/** Model group name of the generated configs. */
const GROUP = 'g';
/** Tokens reserved (and settled) per call. */
const ESTIMATE = 100;
/** Every k-th call is bracketed by `INFO commandstats` to split reserve and release server time. */
const SAMPLE_EVERY = 10;
/** Unmeasured calls before each run (loads the scripts, warms the connection). */
const WARMUP = 200;
/** Seconds of tpm buckets written by {@link fillWindows} (the window spans 60–61 s). */
const FULL_WINDOW_SECONDS = 60;

/** One model group `g` of `size` deployments, each with (never binding) rpm and tpm budgets. */
export function groupConfigYaml(size: number): string {
  const lines = ['model_list:'];
  for (let i = 1; i <= size; i++) {
    lines.push(
      `  - model_name: ${GROUP}`,
      '    litellm_params:',
      `      model: openai/m-${i}`,
      '      api_base: http://127.0.0.1:9/v1',
      '      rpm: 1000000',
      '      tpm: 1000000000',
      `    model_info: { id: d${i} }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The parsed group of {@link groupConfigYaml}. */
export function buildGroup(size: number): ModelGroup {
  const group = parseConfig(groupConfigYaml(size), { source: `bench group of ${size}` }).groups.get(GROUP);
  if (!group || group.deployments.length !== size) throw new Error(`config of ${size} deployments did not parse into group ${GROUP}`);
  return group;
}

/**
 * Writes one bucket per second of the last {@link FULL_WINDOW_SECONDS} s into every
 * deployment's tpm window: the state under steady traffic, where each decision reads a full
 * window per deployment.
 */
async function fillWindows(redis: Redis, group: ModelGroup): Promise<void> {
  const [secs] = await redis.time();
  const nowS = Number(secs);
  const pipe = redis.pipeline();
  for (const d of group.deployments) {
    const key = routingKeys.tpm(group.name, d.id);
    for (let s = nowS - FULL_WINDOW_SECONDS + 1; s <= nowS; s++) pipe.hset(key, String(s), '1');
    pipe.expire(key, 122);
  }
  await pipe.exec();
}

/** What {@link measureReservation} runs. */
export interface ReservationPlan {
  redisUrl: string;
  deployments: number;
  strategy: RoutingStrategy;
  /** `fresh`: windows start empty; `full`: 60 s of tpm buckets per deployment beforehand. */
  windows: 'fresh' | 'full';
  calls: number;
  /** Time cap of the measured loop, ms. */
  maxDurationMs: number;
}

/** FLUSHALL, warm up, then `calls` × (reserve, release), timing each reserve. */
export async function measureReservation(p: ReservationPlan): Promise<ReservationResult> {
  const windows = p.windows === 'full' ? `full (${FULL_WINDOW_SECONDS} s)` : 'fresh';
  const base = { deployments: p.deployments, strategy: p.strategy, windows };
  // The scheduler's kind of connection: auto-pipelined, retries forever.
  const redis = createRedis(p.redisUrl, { connectionName: 'bench-routing', kind: 'background' });
  try {
    await redis.flushall();
    const group = buildGroup(p.deployments);
    if (p.windows === 'full') await fillWindows(redis, group);
    const routing = new RoutingState(redis);
    let refused = 0;
    const once = async (leaseId: string, onReserved?: () => Promise<void>): Promise<number> => {
      const t0 = performance.now();
      const r = await routing.reserve({ group, strategy: p.strategy, exclude: [], leaseId, estimatedTokens: ESTIMATE });
      const ms = performance.now() - t0;
      await onReserved?.();
      if (r.ok) await routing.release(r.deployment, leaseId, { tokenBucket: r.tokenBucket, estimatedTokens: ESTIMATE, actualTokens: ESTIMATE });
      else refused++;
      return ms;
    };
    for (let i = 0; i < WARMUP; i++) await once(`warm-${i}`);
    refused = 0;

    const lat = new Float64Array(p.calls);
    const reserveUs = new StatSum();
    const releaseUs = new StatSum();
    const first = await commandStat(redis, 'evalsha');
    const capAt = performance.now() + p.maxDurationMs;
    let n = 0;
    while (n < p.calls && performance.now() < capAt) {
      const leaseId = `bench-${n}`;
      if (n % SAMPLE_EVERY === 0) {
        const s0 = await commandStat(redis, 'evalsha');
        let s1: CommandStat = s0;
        lat[n] = await once(leaseId, async () => {
          s1 = await commandStat(redis, 'evalsha');
        });
        const s2 = await commandStat(redis, 'evalsha');
        reserveUs.add(statDelta(s0, s1));
        releaseUs.add(statDelta(s1, s2));
      } else {
        lat[n] = await once(leaseId);
      }
      n++;
    }
    const all = statDelta(first, await commandStat(redis, 'evalsha'));
    const sorted = lat.slice(0, n).sort();
    const totalMs = sorted.reduce((a, v) => a + v, 0);
    const r: ReservationResult = {
      ...base,
      calls: n,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      meanMs: n ? totalMs / n : Number.NaN,
      callsPerSecond: totalMs > 0 ? (n * 1000) / totalMs : 0,
      serverReserveUs: reserveUs.perCall,
      serverReleaseUs: releaseUs.perCall,
      evalshaAvgUs: all.calls > 0 ? all.usec / all.calls : undefined,
      refused,
    };
    log(
      `  ${p.deployments} deployments, ${p.strategy}, windows ${windows}: p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms, ` +
        `${r.callsPerSecond.toFixed(0)} reserves/s, server ${r.serverReserveUs?.toFixed(1) ?? '?'} µs/reserve`,
    );
    return r;
  } catch (err) {
    log(`  ${p.deployments} deployments, ${p.strategy}: FAILED: ${errorText(err)}`);
    return { ...base, calls: 0, p50Ms: Number.NaN, p99Ms: Number.NaN, meanMs: Number.NaN, callsPerSecond: 0, refused: 0, error: errorText(err) };
  } finally {
    redis.disconnect();
  }
}
