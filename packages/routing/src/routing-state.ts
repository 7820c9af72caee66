import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { channels, LuaScript, routingKeys } from '@switchyard/core';
import type { Deployment, ModelGroup } from '@switchyard/config';
import { RECORD_FAILURE_LUA } from './lua/record-failure.lua.js';
import { RELEASE_LUA } from './lua/release.lua.js';
import { RENEW_LUA } from './lua/renew.lua.js';
import { RESERVE_LUA } from './lua/reserve.lua.js';
import { decodeReserve, encodeReserve, type ReserveRequest, type ReserveResult } from './reserve-layout.js';

export type { ReserveRequest, ReserveResult } from './reserve-layout.js';

const reserveScript = new LuaScript('reserve', RESERVE_LUA);
const releaseScript = new LuaScript('release', RELEASE_LUA);
const recordFailureScript = new LuaScript('record-failure', RECORD_FAILURE_LUA);
const renewScript = new LuaScript('renew', RENEW_LUA);

/** Weight of a new latency sample in the EWMA latency-based routing ranks by. Default 0.3. */
export const LATENCY_EWMA_ALPHA = 0.3;

/**
 * Extra lease time beyond the deployment's timeout: covers the wait in the deployment queue
 * and the worker's bookkeeping. Default 10 000 ms.
 */
export const LEASE_MARGIN_MS = 10_000;

/**
 * Longest a lease lives without a renewal. A lease starts at min(timeout + margin, this); the
 * worker running the call renews it every {@link LEASE_RENEW_MS} for as long as the call runs,
 * so a lease whose owner died stops counting at most this long after the last renewal.
 * Default 30 000 ms.
 */
export const LEASE_TTL_MS = 30_000;

/** How often a worker renews the leases of its running calls. Default 10 000 ms. */
export const LEASE_RENEW_MS = 10_000;

/** How a failure affects cooldown. */
export type FailureEffect = 'count' | 'immediate';

/** One failure to record against a deployment's health. */
export interface FailureRecord {
  /** `count`: against `allowedFails` in a 60 s window; `immediate`: cool down now. */
  effect: FailureEffect;
  /** Failures tolerated per minute before the cooldown. */
  allowedFails: number;
  /** Cooldown length if it cools down, ms. */
  cooldownMs: number;
  /** Count per this class (an `allowed_fails_policy` entry); undefined = the general window. */
  errorClass?: string;
  /** Lease of the failed call: when it is the half-open probe, the deployment re-opens at once. */
  leaseId?: string;
  /** What caused it (error kind), stored with the cooldown. Default `unknown`. */
  cause?: string;
}

/** A running call's lease, for {@link RoutingState.renew}. */
export interface LeaseRef {
  group: string;
  deployment: string;
  leaseId: string;
}

/** Shared routing state in Redis: leases, cooldowns, failure windows. */
export class RoutingState {
  private readonly leaseMarginMs: number;
  private readonly leaseTtlMs: number;

  constructor(
    private readonly redis: Redis,
    opts: {
      /** Lease time beyond the deployment timeout. Default {@link LEASE_MARGIN_MS}. */
      leaseMarginMs?: number;
      /** Longest lease without renewal. Default {@link LEASE_TTL_MS}. */
      leaseTtlMs?: number;
    } = {},
  ) {
    this.leaseMarginMs = opts.leaseMarginMs ?? LEASE_MARGIN_MS;
    this.leaseTtlMs = opts.leaseTtlMs ?? LEASE_TTL_MS;
  }

  /** The lease time a new reservation of `d` gets. */
  leaseMs(d: Pick<Deployment, 'timeoutMs'>): number {
    return Math.min(d.timeoutMs + this.leaseMarginMs, this.leaseTtlMs);
  }

  /** Picks and reserves a deployment atomically (see `lua/reserve.lua.ts`). */
  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    const leaseMs = (d: Deployment): number => this.leaseMs(d);
    const { keys, args, order } = encodeReserve(req, leaseMs);
    const startedAt = Date.now();
    return decodeReserve(await reserveScript.run(this.redis, keys, args), order, startedAt, leaseMs);
  }

  /**
   * Ends a lease (idempotent: only the first release of a live lease settles anything), settles
   * the tpm reservation with the real usage and feeds the latency average, then wakes waiting
   * schedulers of the group. Returns whether the lease was live.
   */
  async release(d: Pick<Deployment, 'group' | 'id'>, leaseId: string, settle: Settlement = {}): Promise<boolean> {
    const r = await releaseScript.run(
      this.redis,
      [
        routingKeys.leases(d.group, d.id),
        routingKeys.waiting(d.group),
        routingKeys.tpm(d.group, d.id),
        routingKeys.latency(d.group),
        routingKeys.rpm(d.group, d.id),
        routingKeys.halfOpen(d.group, d.id),
        routingKeys.probe(d.group, d.id),
      ],
      [
        leaseId,
        channels.wake,
        d.group,
        settle.tokenBucket ?? -1,
        Math.round(settle.estimatedTokens ?? 0),
        settle.actualTokens === undefined ? -1 : Math.round(settle.actualTokens),
        settle.latencyMs ?? -1,
        d.id,
        LATENCY_EWMA_ALPHA,
        settle.sent === false ? 'unsent' : 'sent',
        settle.outcome ?? 'none',
      ],
    );
    return Number(r) === 1;
  }

  /**
   * Records a failure of a deployment (see `lua/record-failure.lua.ts`): cools it down when it
   * exceeded `allowedFails` in the last minute, at once for `immediate`, and at once when the
   * failed call was the half-open probe. Returns whether it cooled the deployment down.
   */
  async recordFailure(d: Pick<Deployment, 'group' | 'id'>, f: FailureRecord): Promise<boolean> {
    const r = (await recordFailureScript.run(
      this.redis,
      [
        routingKeys.failures(d.group, d.id, f.errorClass),
        routingKeys.cooldown(d.group, d.id),
        routingKeys.halfOpen(d.group, d.id),
        routingKeys.probe(d.group, d.id),
      ],
      [
        f.allowedFails,
        Math.max(0, Math.round(f.cooldownMs)),
        randomUUID(),
        f.effect === 'immediate' ? '1' : '0',
        f.leaseId ?? '',
        f.cause ?? 'unknown',
        channels.health,
        `${d.group}\t${d.id}`,
      ],
    )) as [number, number];
    return r[0] === 1;
  }

  /**
   * Renews running calls' live leases to now + the lease TTL (see `lua/renew.lua.ts`). One
   * script call per group (keys share its hash tag). Returns the leases that had expired.
   */
  async renew(leases: readonly LeaseRef[]): Promise<LeaseRef[]> {
    const byGroup = new Map<string, LeaseRef[]>();
    for (const l of leases) byGroup.set(l.group, [...(byGroup.get(l.group) ?? []), l]);
    const expired: LeaseRef[] = [];
    await Promise.all(
      [...byGroup.values()].map(async (ls) => {
        const keys = ls.flatMap((l) => [
          routingKeys.leases(l.group, l.deployment),
          routingKeys.rpm(l.group, l.deployment),
          routingKeys.probe(l.group, l.deployment),
        ]);
        const r = (await renewScript.run(this.redis, keys, [this.leaseTtlMs, ...ls.map((l) => l.leaseId)])) as number[];
        ls.forEach((l, i) => {
          if (Number(r[i]) !== 1) expired.push(l);
        });
      }),
    );
    return expired;
  }

  /** Live state of each deployment of a group, for `/model/info` and tests. */
  async snapshot(group: ModelGroup): Promise<DeploymentState[]> {
    const now = Date.now();
    const pipe = this.redis.multi();
    for (const d of group.deployments) {
      pipe.zcount(routingKeys.leases(group.name, d.id), now, '+inf');
      pipe.pttl(routingKeys.cooldown(group.name, d.id));
      pipe.hget(routingKeys.served(group.name), d.id);
      pipe.exists(routingKeys.halfOpen(group.name, d.id));
    }
    const res = (await pipe.exec()) ?? [];
    return group.deployments.map((d, i) => {
      const inflight = Number(res[i * 4]?.[1] ?? 0);
      const cool = Number(res[i * 4 + 1]?.[1] ?? -2);
      const served = Number(res[i * 4 + 2]?.[1] ?? 0);
      const half = Number(res[i * 4 + 3]?.[1] ?? 0) === 1;
      return { id: d.id, inflight, cooldownRemainingMs: cool > 0 ? cool : 0, numRequests: served, halfOpen: half && cool <= 0 };
    });
  }
}

/** What a finished call settles on release. */
export interface Settlement {
  /** Bucket the tpm estimate was reserved in (from the reservation); undefined = not tracked. */
  tokenBucket?: number | undefined;
  /** Tokens reserved at dispatch. */
  estimatedTokens?: number;
  /**
   * Tokens the call really used (0 for a failed call), counted at completion time in place of
   * the estimate. Undefined: the estimate stays where it is.
   */
  actualTokens?: number;
  /** Duration of the call, for latency-based routing. */
  latencyMs?: number;
  /** Whether the request left for the upstream (default true): its rpm entry then counts until 60 s after now. */
  sent?: boolean;
  /**
   * `ok` (the upstream answered well: closes a half-open deployment when this was its probe),
   * `fail` or `none` (no verdict on the deployment's health). Default `none`.
   */
  outcome?: 'ok' | 'fail' | 'none';
}

/** Live routing state of one deployment. */
export interface DeploymentState {
  id: string;
  /** Live (unexpired) in-flight leases. */
  inflight: number;
  /** 0 when not cooling down. */
  cooldownRemainingMs: number;
  /** Jobs dispatched to it since the counter began. */
  numRequests: number;
  /** Its cooldown ended and it takes one probe at a time until a success. */
  halfOpen: boolean;
}
