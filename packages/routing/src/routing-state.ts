import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { channels, LuaScript, routingKeys } from '@switchyard/core';
import type { Deployment, ModelGroup, RoutingStrategy } from '@switchyard/config';
import { RECORD_FAILURE_LUA, RELEASE_LUA, RESERVE_LUA } from './reserve.lua.js';

const reserveScript = new LuaScript('reserve', RESERVE_LUA);
const releaseScript = new LuaScript('release', RELEASE_LUA);
const recordFailureScript = new LuaScript('record-failure', RECORD_FAILURE_LUA);

/** Weight of a new latency sample in the EWMA latency-based routing ranks by. Default 0.3. */
export const LATENCY_EWMA_ALPHA = 0.3;

/**
 * Extra lease time beyond the deployment's timeout: covers the wait in the deployment queue
 * and the worker's bookkeeping. A lease whose holder died stops counting after this.
 * Default 10 000 ms.
 */
export const LEASE_MARGIN_MS = 10_000;

/** One routing decision to make. */
export interface ReserveRequest {
  group: ModelGroup;
  strategy: RoutingStrategy;
  /** Deployments that already failed this job; ignored when they are all of the group. */
  exclude: readonly string[];
  /** Deployments that cannot take this job at all (pre-call checks). Always skipped. */
  ineligible?: readonly string[];
  /** Tokens to reserve in tpm windows (prompt + completion estimate). Default 0. */
  estimatedTokens?: number;
  /** Highest tier that may serve (overflow policy `wait`); undefined = any tier. */
  tierLimit?: number;
  /** `lowest_latency_buffer` for latency-based routing. Default 0. */
  lowestLatencyBuffer?: number;
  /**
   * The API's fast path: reserve only when the group's ingress queue is empty (never overtake
   * waiting jobs), and leave the waiting flag alone. Default false (a scheduler's reservation).
   */
  fast?: boolean;
  /** Unique per dispatch: the lease's member in the leases ZSET. */
  leaseId: string;
  /** Random source in [0,1); injectable for tests. Default Math.random. */
  random?: () => number;
}

/** Outcome of {@link RoutingState.reserve}. */
export type ReserveResult =
  | { ok: true; deployment: Deployment; inflight: number; /** tpm bucket (unix s) of the estimate. */ tokenBucket: number }
  | {
      ok: false;
      /** ms until something may free; null = unknown (wait for a wake-up). */
      waitMs: number | null;
      /** Fast path only: jobs are waiting in the ingress queue, so this one must queue too. */
      backlog?: boolean;
    };

/** How a failure affects cooldown. */
export type FailureEffect = 'count' | 'immediate';

/** Shared routing state in Redis: leases, cooldowns, failure windows. */
export class RoutingState {
  private readonly leaseMarginMs: number;

  constructor(
    private readonly redis: Redis,
    opts: { /** Lease time beyond the deployment timeout. Default {@link LEASE_MARGIN_MS}. */ leaseMarginMs?: number } = {},
  ) {
    this.leaseMarginMs = opts.leaseMarginMs ?? LEASE_MARGIN_MS;
  }

  /** Picks and reserves a deployment atomically (see RESERVE_LUA). */
  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    const { group } = req;
    const deps = group.deployments;
    const ineligible = req.ineligible ?? [];
    const usable = deps.filter((d) => d.supported && !ineligible.includes(d.id));
    const excludeAll = usable.every((d) => req.exclude.includes(d.id));
    const keys: string[] = [];
    const args: (string | number)[] = [
      req.strategy,
      (req.random ?? Math.random)(),
      req.leaseId,
      deps.length,
      Math.max(0, Math.round(req.estimatedTokens ?? 0)),
      req.tierLimit ?? -1,
      req.lowestLatencyBuffer ?? 0,
      req.fast ? '1' : '0',
    ];
    for (const d of deps) {
      keys.push(
        routingKeys.leases(group.name, d.id),
        routingKeys.cooldown(group.name, d.id),
        routingKeys.rpm(group.name, d.id),
        routingKeys.tpm(group.name, d.id),
        routingKeys.halfOpen(group.name, d.id),
        routingKeys.probe(group.name, d.id),
      );
      const excluded = !d.supported || ineligible.includes(d.id) || (!excludeAll && req.exclude.includes(d.id));
      args.push(
        d.id,
        d.tier,
        d.weight,
        d.maxParallelRequests ?? 0,
        d.timeoutMs + this.leaseMarginMs,
        excluded ? '1' : '0',
        d.rpm ?? 0,
        d.tpm ?? 0,
        d.costPerToken ?? -1,
      );
    }
    keys.push(
      routingKeys.served(group.name),
      routingKeys.waiting(group.name),
      routingKeys.latency(group.name),
      ...routingKeys.ingressBacklog(group.name),
    );
    const r = (await reserveScript.run(this.redis, keys, args)) as [number, string | number, number?, number?];
    if (r[0] === 1) {
      const deployment = deps.find((d) => d.id === r[1]);
      if (!deployment) throw new Error(`reserve returned unknown deployment ${String(r[1])}`);
      return { ok: true, deployment, inflight: Number(r[2]), tokenBucket: Number(r[3]) };
    }
    if (r[0] === 2) return { ok: false, waitMs: null, backlog: true };
    const wait = Number(r[1]);
    return { ok: false, waitMs: wait >= 0 ? wait : null };
  }

  /**
   * Ends a lease (idempotent), settles the tpm reservation with the real usage and feeds the
   * latency average, then wakes waiting schedulers of the group.
   */
  async release(d: Pick<Deployment, 'group' | 'id'>, leaseId: string, settle: Settlement = {}): Promise<void> {
    await releaseScript.run(
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
  }

  /**
   * Records a failure of a deployment; cools it down for `cooldownMs` when it exceeded
   * `allowedFails` in the last minute (counted per `errorClass` when one is given, for
   * `allowed_fails_policy`), at once for `immediate`, and at once while it is half-open.
   * Returns whether it cooled the deployment down.
   */
  async recordFailure(
    d: Deployment,
    effect: FailureEffect,
    allowedFails: number,
    cooldownMs: number,
    errorClass?: string,
  ): Promise<boolean> {
    const r = (await recordFailureScript.run(
      this.redis,
      [
        routingKeys.failures(d.group, d.id, errorClass),
        routingKeys.cooldown(d.group, d.id),
        routingKeys.halfOpen(d.group, d.id),
      ],
      [allowedFails, Math.max(0, Math.round(cooldownMs)), randomUUID(), effect === 'immediate' ? '1' : '0'],
    )) as [number, number];
    return r[0] === 1;
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
  /** Bucket the tpm estimate was reserved in (from the reservation). */
  tokenBucket?: number;
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
   * `ok` (the upstream answered well: closes a half-open deployment), `fail` or `none` (no
   * verdict on the deployment's health). Default `none`.
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
