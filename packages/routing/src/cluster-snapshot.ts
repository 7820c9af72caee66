import type { Redis } from 'ioredis';
import type { Deployment, ModelGroup, SwitchyardConfig } from '@switchyard/config';
import { routingKeys } from '@switchyard/core';

/** The health state of a deployment, as the routing scripts see it (see ARCHITECTURE "The health model"). */
export type HealthState = 'healthy' | 'half-open' | 'cooling down';

/** `switchyard_deployment_state` value of each state: 0 healthy, 1 half-open, 2 cooling down. */
export const HEALTH_STATE_VALUE: Readonly<Record<HealthState, number>> = { healthy: 0, 'half-open': 1, 'cooling down': 2 };

/** Length of the rpm/tpm windows RESERVE counts, ms. */
export const WINDOW_MS = 60_000;

/** Live state of one deployment, read from Redis. */
export interface DeploymentSnapshot {
  deployment: Deployment;
  state: HealthState;
  /** ms left of the cooldown (0 unless cooling down). */
  cooldownRemainingMs: number;
  /** Error kind that tripped the cooldown (from the cooldown key's `<end ms>|<cause>`); null when not cooling down. */
  cooldownCause: string | null;
  /** Live in-flight leases. */
  inFlight: number;
  /** Requests in the rpm window (only tracked for deployments with an rpm limit; else 0). */
  rpmUsed: number;
  /** Tokens in the tpm window (only tracked with a tpm limit or usage-based routing; else 0). */
  tpmUsed: number;
  /** Failures counted against `allowed_fails` in the last 60 s. */
  failuresLastMinute: number;
  /** Jobs dispatched to it so far (the `served` counter). */
  dispatched: number;
  /** EWMA latency of successful calls, ms; null before the first. */
  latencyEwmaMs: number | null;
}

/** Live state of one model group. */
export interface GroupSnapshot {
  group: ModelGroup;
  /** Jobs waiting in the ingress queue (waiting, prioritized and parked). */
  queueDepth: number;
  /** Its deployments in tier order. */
  deployments: DeploymentSnapshot[];
}

type Reply = [Error | null, unknown][];

/** Tokens of a tpm HASH (`second → tokens`) within the window RESERVE counts (buckets from now_s − 60). */
export function windowTokens(hash: Record<string, string>, nowMs: number): number {
  const from = Math.floor(nowMs / 1000) - 60;
  let used = 0;
  for (const [sec, tokens] of Object.entries(hash)) if (Number(sec) >= from) used += Number(tokens) || 0;
  return used;
}

/** Parses a cooldown key's value `<end ms>|<cause>`; the cause, or null. */
export function cooldownCause(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const at = value.indexOf('|');
  return at >= 0 ? value.slice(at + 1) || null : null;
}

const PER_DEPLOYMENT = 7;
const PER_GROUP = 5;

/**
 * Reads the live state of every deployment of `groups` in one pipeline (one round trip, no
 * transaction: a scrape may straddle a routing decision, never corrupt it). Windows are counted
 * the way RESERVE counts them (rpm entries after now − 60 s, tpm buckets from now_s − 60), with
 * this process's clock. Groups and deployments keep the config's order; deployments are sorted
 * by tier.
 */
export async function readClusterSnapshot(redis: Redis, groups: Iterable<ModelGroup>, now = Date.now()): Promise<GroupSnapshot[]> {
  const list = [...groups];
  const pipe = redis.pipeline();
  for (const g of list) {
    const depth = routingKeys.ingressDepth(g.name);
    pipe.llen(depth.wait);
    pipe.zcard(depth.prioritized);
    pipe.zcard(depth.delayed);
    pipe.hgetall(routingKeys.served(g.name));
    pipe.hgetall(routingKeys.latency(g.name));
    for (const d of g.deployments) {
      pipe.zcount(routingKeys.leases(g.name, d.id), now, '+inf');
      pipe.get(routingKeys.cooldown(g.name, d.id));
      pipe.pttl(routingKeys.cooldown(g.name, d.id));
      pipe.exists(routingKeys.halfOpen(g.name, d.id));
      pipe.zcount(routingKeys.rpm(g.name, d.id), `(${now - WINDOW_MS}`, '+inf');
      pipe.hgetall(routingKeys.tpm(g.name, d.id));
      pipe.zcount(routingKeys.failures(g.name, d.id), `(${now - WINDOW_MS}`, '+inf');
    }
  }
  const res = ((await pipe.exec()) ?? []) as Reply;
  const at = (i: number): unknown => {
    const r = res[i];
    if (r?.[0]) throw r[0];
    return r?.[1];
  };
  const out: GroupSnapshot[] = [];
  let i = 0;
  for (const g of list) {
    const queueDepth = Number(at(i)) + Number(at(i + 1)) + Number(at(i + 2));
    const served = (at(i + 3) ?? {}) as Record<string, string>;
    const latency = (at(i + 4) ?? {}) as Record<string, string>;
    i += PER_GROUP;
    const deployments: DeploymentSnapshot[] = [];
    for (const d of g.deployments) {
      const pttl = Number(at(i + 2));
      const cooling = pttl > 0;
      const half = Number(at(i + 3)) === 1;
      const lat = latency[d.id];
      deployments.push({
        deployment: d,
        state: cooling ? 'cooling down' : half ? 'half-open' : 'healthy',
        cooldownRemainingMs: cooling ? pttl : 0,
        cooldownCause: cooling ? cooldownCause(at(i + 1)) : null,
        inFlight: Number(at(i)),
        rpmUsed: Number(at(i + 4)),
        tpmUsed: windowTokens((at(i + 5) ?? {}) as Record<string, string>, now),
        failuresLastMinute: Number(at(i + 6)),
        dispatched: Number(served[d.id] ?? 0),
        latencyEwmaMs: lat === undefined ? null : Number(lat),
      });
      i += PER_DEPLOYMENT;
    }
    deployments.sort((a, b) => a.deployment.tier - b.deployment.tier);
    out.push({ group: g, queueDepth, deployments });
  }
  return out;
}

/** The groups of a config, for {@link readClusterSnapshot}. */
export function configGroups(config: SwitchyardConfig): ModelGroup[] {
  return [...config.groups.values()];
}

/** What is left of a deployment's rpm and tpm budgets now (for the `x-ratelimit-*` headers). */
export interface BudgetLeft {
  rpm?: { limit: number; remaining: number };
  tpm?: { limit: number; remaining: number };
}

/**
 * Reads one deployment's rpm and tpm windows (one pipeline), counted the way RESERVE counts
 * them. Empty when the deployment has neither limit (nothing is read then).
 */
export async function readBudgetLeft(redis: Redis, d: Deployment, now = Date.now()): Promise<BudgetLeft> {
  if (d.rpm === undefined && d.tpm === undefined) return {};
  const pipe = redis.pipeline();
  if (d.rpm !== undefined) pipe.zcount(routingKeys.rpm(d.group, d.id), `(${now - WINDOW_MS}`, '+inf');
  if (d.tpm !== undefined) pipe.hgetall(routingKeys.tpm(d.group, d.id));
  const res = ((await pipe.exec()) ?? []) as Reply;
  for (const [err] of res) if (err) throw err;
  const out: BudgetLeft = {};
  let i = 0;
  if (d.rpm !== undefined) out.rpm = { limit: d.rpm, remaining: Math.max(0, d.rpm - Number(res[i++]?.[1] ?? 0)) };
  if (d.tpm !== undefined) {
    const used = windowTokens((res[i]?.[1] ?? {}) as Record<string, string>, now);
    out.tpm = { limit: d.tpm, remaining: Math.max(0, d.tpm - used) };
  }
  return out;
}
