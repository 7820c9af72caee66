import type { ExplainContext } from './explain-labels.js';
import type { Finding } from './finding.js';
import type { PathSegment } from './path.js';
import type { ErrorClass, ErrorClassPolicy, RouterSettings } from './types.js';

/** Error classes whose retries resend a request that is likely to fail the same way everywhere. */
const FUTILE: ReadonlyArray<{
  readonly cls: ErrorClass;
  readonly what: string;
  /** Fallback settings that could move such a request to another group, and the one to suggest. */
  readonly fallbacks: ReadonlyArray<'fallbacks' | 'contextWindowFallbacks' | 'contentPolicyFallbacks'>;
  readonly suggest: string;
}> = [
  { cls: 'BadRequestError', what: 'a bad request (400)', fallbacks: ['fallbacks', 'contextWindowFallbacks'], suggest: 'fallbacks' },
  {
    cls: 'ContentPolicyViolationError',
    what: 'a content policy refusal',
    fallbacks: ['fallbacks', 'contentPolicyFallbacks'],
    suggest: 'content_policy_fallbacks',
  },
];

/** Whether any of `kinds` (or default_fallbacks) can move a request of `group` (undefined = any group) elsewhere. */
function canFallBack(r: RouterSettings, kinds: (typeof FUTILE)[number]['fallbacks'], group: string | undefined): boolean {
  if (r.defaultFallbacks.length > 0) return true;
  return kinds.some((k) => {
    const rules = r[k];
    return group === undefined ? Object.keys(rules).length > 0 : Object.hasOwn(rules, group) || Object.hasOwn(rules, '*');
  });
}

function futileRetries(r: RouterSettings, policy: ErrorClassPolicy, at: readonly PathSegment[], group: string | undefined): Finding[] {
  const out: Finding[] = [];
  for (const { cls, what, fallbacks, suggest } of FUTILE) {
    const retries = policy[cls] ?? 0;
    if (retries === 0 || canFallBack(r, fallbacks, group)) continue;
    const scope = group === undefined ? 'no fallbacks are configured' : `no fallbacks are configured for group ${JSON.stringify(group)}`;
    out.push({
      at: [...at, `${cls}Retries`],
      message:
        `${retries} ${retries === 1 ? 'retry' : 'retries'} of ${what} while ${scope}: each retry sends the same request to ` +
        `another deployment of the same group, which rarely helps; set it to 0 or add ${suggest}`,
    });
  }
  return out;
}

/** `BadRequestErrorRetries` / `ContentPolicyViolationErrorRetries` above 0 with nowhere to fall back to. */
export function retriesWithoutFallbacks(ctx: ExplainContext): Finding[] {
  const r = ctx.config.router;
  return [
    ...futileRetries(r, r.retryPolicy, ['router_settings', 'retry_policy'], undefined),
    ...Object.entries(r.modelGroupRetryPolicy).flatMap(([group, policy]) =>
      futileRetries(r, policy, ['router_settings', 'model_group_retry_policy', group], group),
    ),
  ];
}

/** `allowed_fails_policy` with `disable_cooldowns: true`: nothing is ever cooled down, so it does nothing. */
export function idleAllowedFailsPolicy(ctx: ExplainContext): Finding[] {
  const r = ctx.config.router;
  if (!r.disableCooldowns || Object.keys(r.allowedFailsPolicy).length === 0) return [];
  return [{
    at: ['router_settings', 'allowed_fails_policy'],
    message: 'allowed_fails_policy has no effect: disable_cooldowns is true, so no deployment is ever cooled down',
  }];
}
