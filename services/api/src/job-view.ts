import type { JobRecord } from '@switchyard/core';

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

/** The public JSON of a job (`GET /v1/jobs/:id`). Timestamps are Unix seconds. */
export function jobView(rec: JobRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: rec.id,
    object: 'switchyard.job',
    status: rec.status,
    model_group: rec.model_group,
    deployment: rec.deployment,
    attempts: rec.attempts,
    attempt_log: rec.attempt_log,
    priority: rec.priority,
    metadata: rec.metadata,
    created_at: seconds(rec.created_at),
    started_at: seconds(rec.started_at),
    finished_at: seconds(rec.finished_at),
  };
  if (rec.status === 'succeeded') view.result = rec.result;
  if (rec.error) view.error = rec.error;
  return view;
}

/** The `x-switchyard-*` response headers for a job. */
export function jobHeaders(rec: JobRecord): Record<string, string> {
  const h: Record<string, string> = {
    'x-request-id': rec.id,
    'x-switchyard-job-id': rec.id,
    'x-switchyard-model-group': rec.model_group,
    'x-switchyard-attempts': String(rec.attempts),
  };
  if (rec.deployment) h['x-switchyard-deployment'] = rec.deployment;
  if (rec.started_at !== null) h['x-switchyard-queue-ms'] = String(Math.max(0, rec.started_at - rec.created_at));
  return h;
}
