import { routingKeys } from '@switchyard/core';
import type { Deployment, ModelGroup, RoutingStrategy } from '@switchyard/config';

/**
 * The one place that knows RESERVE's KEYS/ARGV layout (see `lua/reserve.lua.ts`): it encodes a
 * {@link ReserveRequest} into keys and arguments and decodes the script's reply.
 */

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
  /**
   * The job's dispatch payload (`encodeDispatchPayload` in `dispatch-queue.ts`): when set, a successful
   * reservation also pushes the dispatch item to the reserved deployment's dispatch list, in the
   * same call. Default none (the caller hands the job on itself).
   */
  dispatchPayload?: string;
  /** Unique per reservation: the lease's member in the leases ZSET. */
  leaseId: string;
  /** Random source in [0,1); injectable for tests. Default Math.random. */
  random?: () => number;
}

/** Outcome of a reservation. */
export type ReserveResult =
  | {
      ok: true;
      deployment: Deployment;
      inflight: number;
      /** tpm bucket (unix s) of the estimate; undefined when the deployment tracks no tokens. */
      tokenBucket: number | undefined;
      /** When the lease ends unless renewed (ms, this process's clock, a lower bound). */
      leaseUntil: number;
    }
  | {
      ok: false;
      /** ms until something may free for this job; null = unknown (wait for a wake-up). */
      waitMs: number | null;
      /** Fast path only: jobs are waiting in the ingress queue, so this one must queue too. */
      backlog?: boolean;
      /**
       * Every deployment this job could use is cooling down, half-open with its probe out, or
       * excluded; none is merely busy. A fallback group should take the job now.
       */
      unhealthy: boolean;
      /**
       * Every supported deployment of the group is blocked by health or capacity, whatever the
       * job: no other job of the group can be placed either. False = the block is this job's
       * own (exclusions, pre-call checks, a tier limit, a large token estimate).
       */
      groupBlocked: boolean;
    };

/** Values per deployment in ARGV. */
const PER_DEPLOYMENT = 9;

/** A group's deployments in RESERVE's order and its KEYS, which depend on nothing else. */
interface GroupLayout {
  order: Deployment[];
  keys: string[];
}

/** Layouts by group object (a config's groups never change; a new config makes new objects). */
const layouts = new WeakMap<ModelGroup, GroupLayout>();

function layoutOf(group: ModelGroup): GroupLayout {
  let l = layouts.get(group);
  if (l) return l;
  // Sorted by tier, so the script stops at the first tier that has a candidate.
  const order = [...group.deployments].sort((a, b) => a.tier - b.tier);
  const keys: string[] = [];
  for (const d of order) {
    keys.push(
      routingKeys.leases(group.name, d.id),
      routingKeys.cooldown(group.name, d.id),
      routingKeys.rpm(group.name, d.id),
      routingKeys.tpm(group.name, d.id),
      routingKeys.halfOpen(group.name, d.id),
      routingKeys.probe(group.name, d.id),
    );
  }
  keys.push(
    routingKeys.served(group.name),
    routingKeys.waiting(group.name),
    routingKeys.latency(group.name),
    ...routingKeys.ingressBacklog(group.name),
    ...order.map((d) => routingKeys.dispatch(group.name, d.id)),
  );
  l = { order, keys };
  layouts.set(group, l);
  return l;
}

/**
 * Encodes a request into RESERVE's KEYS and ARGV; `order` maps ARGV position → deployment.
 * The KEYS array is the group's own (built once): callers must not change it.
 */
export function encodeReserve(
  req: ReserveRequest,
  leaseMs: (d: Deployment) => number,
): { keys: readonly string[]; args: (string | number)[]; order: readonly Deployment[] } {
  const { group } = req;
  const { order, keys } = layoutOf(group);
  const ineligible = req.ineligible ?? [];
  const usable = order.filter((d) => d.supported && !ineligible.includes(d.id));
  const excludeAll = usable.every((d) => req.exclude.includes(d.id));
  const args: (string | number)[] = [
    req.strategy,
    (req.random ?? Math.random)(),
    req.leaseId,
    order.length,
    Math.max(0, Math.round(req.estimatedTokens ?? 0)),
    req.tierLimit ?? -1,
    req.lowestLatencyBuffer ?? 0,
    req.fast ? '1' : '0',
  ];
  for (const d of order) {
    const use = !d.supported ? '2' : ineligible.includes(d.id) || (!excludeAll && req.exclude.includes(d.id)) ? '1' : '0';
    args.push(
      d.id,
      d.tier,
      d.weight,
      d.maxParallelRequests ?? 0,
      leaseMs(d),
      use,
      d.rpm ?? 0,
      d.tpm ?? 0,
      d.costPerToken ?? -1,
    );
  }
  args.push(req.dispatchPayload ?? '');
  if (args.length !== 9 + PER_DEPLOYMENT * order.length) throw new Error('RESERVE layout mismatch');
  return { keys, args, order };
}

/** Decodes RESERVE's reply. */
export function decodeReserve(reply: unknown, order: readonly Deployment[], startedAt: number, leaseMs: (d: Deployment) => number): ReserveResult {
  const r = reply as [number, string | number, (string | number)?, (string | number)?];
  if (r[0] === 1) {
    const deployment = order.find((d) => d.id === r[1]);
    if (!deployment) throw new Error(`reserve returned unknown deployment ${String(r[1])}`);
    const bucket = Number(r[3]);
    return { ok: true, deployment, inflight: Number(r[2]), tokenBucket: bucket >= 0 ? bucket : undefined, leaseUntil: startedAt + leaseMs(deployment) };
  }
  if (r[0] === 2) return { ok: false, waitMs: null, backlog: true, unhealthy: false, groupBlocked: false };
  const wait = Number(r[1]);
  return { ok: false, waitMs: wait >= 0 ? wait : null, unhealthy: String(r[2]) === '1', groupBlocked: String(r[3]) === '1' };
}
