import type { Deployment, ErrorClass, RouterSettings } from '@switchyard/config';
import type { UpstreamError } from '@switchyard/providers';

/** How one failure is recorded against a deployment's health. */
export interface HealthDecision {
  /** `count`: against `allowedFails` in a 60 s window; `immediate`: cool down now. */
  effect: 'count' | 'immediate';
  /** Failures tolerated per minute before the cooldown. */
  allowedFails: number;
  /** Cooldown length if it cools down, ms. */
  cooldownMs: number;
  /** Set when an `allowed_fails_policy` entry applies: failures are counted per this class. */
  errorClass?: ErrorClass;
}

/**
 * Decides what a failure does to a deployment's health, or null for nothing:
 * - `disable_cooldowns` → nothing;
 * - an `allowed_fails_policy` entry for the error's class → counted against that entry, per class
 *   (this also makes 400s count, and lets 429s / auth errors be tolerated up to the entry);
 * - otherwise the error's own effect: 429 and 401/403/404 cool down at once, 5xx / timeouts /
 *   connection errors count against `allowed_fails`, bad requests do nothing.
 * The cooldown is the deployment's `cooldown_time`, else the router's; a 429's Retry-After when
 * longer.
 */
export function healthDecision(router: RouterSettings, dep: Deployment, e: UpstreamError): HealthDecision | null {
  if (router.disableCooldowns) return null;
  const cls = e.errorClass;
  const policy = cls !== undefined ? router.allowedFailsPolicy[cls] : undefined;
  const effect = policy !== undefined ? 'count' : e.cooldown;
  if (effect === 'none') return null;
  const base = dep.cooldownMs ?? router.cooldownMs;
  const cooldownMs = e.kind === 'rate_limited' && e.retryAfterMs !== undefined ? Math.max(base, e.retryAfterMs) : base;
  return {
    effect,
    allowedFails: policy ?? router.allowedFails,
    cooldownMs,
    ...(policy !== undefined && cls !== undefined ? { errorClass: cls } : {}),
  };
}

/** A cooldown announced on the health channel (see `channels.health`). */
export interface HealthMessage {
  group: string;
  deployment: string;
  cooldownMs: number;
  cause: string;
}

/** Parses `<group>\t<deployment>\t<cooldown ms>\t<cause>`; undefined when malformed. */
export function parseHealthMessage(message: string): HealthMessage | undefined {
  const [group, deployment, ms, cause] = message.split('\t');
  const cooldownMs = Number(ms);
  if (!group || !deployment || !Number.isFinite(cooldownMs)) return undefined;
  return { group, deployment, cooldownMs, cause: cause ?? 'unknown' };
}
