import type { SwitchyardConfig } from '@switchyard/config';
import type { Redis } from '@switchyard/core';
import { readClusterSnapshot } from '@switchyard/routing';
import { readUiBatches, type UiBatch } from './ui-batches.js';

/** One deployment as the dashboard shows it (no credential, no api_base). */
export interface UiDeployment {
  id: string;
  tier: number;
  model: string;
  state: string;
  cooldown_remaining_ms: number;
  cooldown_cause: string | null;
  in_flight: number;
  max_parallel_requests: number | null;
  rpm_used: number;
  rpm_limit: number | null;
  tpm_used: number;
  tpm_limit: number | null;
  failures_last_minute: number;
  latency_ms: number | null;
  dispatched: number;
}

/**
 * What `/ui/state` answers: every group in config order, deployments in tier order; the batches
 * newest first (see {@link readUiBatches}).
 */
export interface UiState {
  now: number;
  groups: { name: string; queue_depth: number; deployments: UiDeployment[] }[];
  batches: UiBatch[];
}

/** Reads the dashboard's state: one Redis pipeline for the groups, two small ones for the batches. */
export async function readUiState(redis: Redis, config: SwitchyardConfig): Promise<UiState> {
  const now = Date.now();
  const [snap, batches] = await Promise.all([readClusterSnapshot(redis, config.groups.values(), now), readUiBatches(redis)]);
  return {
    now,
    batches,
    groups: snap.map((g) => ({
      name: g.group.name,
      queue_depth: g.queueDepth,
      deployments: g.deployments.map((s) => ({
        id: s.deployment.id,
        tier: s.deployment.tier + 1,
        model: `${s.deployment.provider}/${s.deployment.model}`,
        state: s.state,
        cooldown_remaining_ms: s.cooldownRemainingMs,
        cooldown_cause: s.cooldownCause,
        in_flight: s.inFlight,
        max_parallel_requests: s.deployment.maxParallelRequests ?? null,
        rpm_used: s.rpmUsed,
        rpm_limit: s.deployment.rpm ?? null,
        tpm_used: s.tpmUsed,
        tpm_limit: s.deployment.tpm ?? null,
        failures_last_minute: s.failuresLastMinute,
        latency_ms: s.latencyEwmaMs,
        dispatched: s.dispatched,
      })),
    })),
  };
}
