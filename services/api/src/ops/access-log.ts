import type { RequestHandler, Response } from 'express';
import type { SwitchyardConfig } from '@switchyard/config';
import type { JobRecord, Logger } from '@switchyard/core';

/** Where a route leaves the job it answered with, for the access log line. */
const JOB_LOCAL = 'switchyardJob';

/** Notes the finished (or last known) record of the job `res` answers with. */
export function noteJob(res: Response, rec: JobRecord): void {
  res.locals[JOB_LOCAL] = rec;
}

interface UsageLike {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  total_tokens?: unknown;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The job fields of an access log line: ids, routing, timings and token counts; never any text. */
export function jobFields(rec: JobRecord, config: SwitchyardConfig): Record<string, unknown> {
  const dep = rec.deployment ? config.deployments.find((d) => d.id === rec.deployment) : undefined;
  const usage = (rec.result as { usage?: UsageLike } | null | undefined)?.usage;
  const upstreamMs = rec.attempt_log.reduce((sum, a) => sum + a.duration_ms, 0);
  return {
    job_id: rec.id,
    model_group: dep?.group ?? rec.model_group,
    deployment: rec.deployment,
    tier: dep ? dep.tier + 1 : null,
    job_status: rec.status,
    attempts: rec.attempts,
    queue_ms: rec.started_at !== null ? Math.max(0, rec.started_at - rec.created_at) : null,
    upstream_ms: Math.round(upstreamMs),
    ...(rec.error ? { error_code: rec.error.code, error_type: rec.error.type } : {}),
    prompt_tokens: num(usage?.prompt_tokens) ?? null,
    completion_tokens: num(usage?.completion_tokens) ?? null,
    total_tokens: num(usage?.total_tokens) ?? null,
  };
}

/**
 * One structured line per finished request (`msg: "request"`, logger `access`): method, path,
 * HTTP status, duration, and — when the route noted its job ({@link noteJob}) — job id, group,
 * deployment, tier, job status, attempts, queue ms, upstream ms and token counts. Never a
 * prompt, a completion, a header or a key. `/health/*` is not logged. `level`: pino level of the
 * line (`silent` = off), filtered by the logger's own level like any line. Default `info`.
 */
export function accessLog(logger: Logger, config: SwitchyardConfig, level = 'info'): RequestHandler {
  const log = logger.child({ log: 'access' });
  const write = level === 'silent' ? undefined : (level as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace');
  return (req, res, next) => {
    // A level the logger filters out costs nothing per request (no listeners, no line built).
    if (!write || !log.isLevelEnabled(write) || req.path.startsWith('/health/')) return next();
    const t0 = performance.now();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const rec = res.locals[JOB_LOCAL] as JobRecord | undefined;
      log[write](
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(performance.now() - t0),
          ...(res.writableFinished ? {} : { client_gone: true }),
          ...(rec ? jobFields(rec, config) : {}),
        },
        'request',
      );
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}
