import type { SwitchyardConfig } from '@switchyard/config';
import type { Redis } from '@switchyard/core';
import { readClusterSnapshot } from '@switchyard/routing';

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

/** What `/ui/state` answers: every group in config order, deployments in tier order. */
export interface UiState {
  now: number;
  groups: { name: string; queue_depth: number; deployments: UiDeployment[] }[];
}

/** Reads the dashboard's state in one Redis pipeline. */
export async function readUiState(redis: Redis, config: SwitchyardConfig): Promise<UiState> {
  const now = Date.now();
  const snap = await readClusterSnapshot(redis, config.groups.values(), now);
  return {
    now,
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
