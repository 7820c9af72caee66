import { describe, expect, it } from 'vitest';
import { ERROR_OF } from './test-support/errors.js';
import { ERROR_CLASSES, parseConfig, type Deployment, type ErrorClass } from '@switchyard/config';
import { UpstreamError } from '@switchyard/providers';
import { healthDecision } from './health.js';

const cfg = (router: string) =>
  parseConfig(`model_list:\n  - model_name: m\n    litellm_params: { model: openai/m }\nrouter_settings:\n  allowed_fails: 3\n  cooldown_time: 10\n${router}\n`);
const dep = (c: ReturnType<typeof cfg>): Deployment => c.deployments[0] as Deployment;

describe('allowed_fails_policy: each key sets how many failures of its class are tolerated', () => {
  it.each(ERROR_CLASSES.map((c) => [c]))('%sAllowedFails', (cls) => {
    const c = cfg(`  allowed_fails_policy: {${cls}AllowedFails: 7}`);
    expect(healthDecision(c.router, dep(c), ERROR_OF[cls]())).toMatchObject({ effect: 'count', allowedFails: 7, errorClass: cls });
  });

  it('without a policy: 5xx/timeouts count against allowed_fails, 429 and auth cool down at once, 400s do nothing', () => {
    const c = cfg('');
    expect(healthDecision(c.router, dep(c), ERROR_OF.InternalServerError())).toEqual({ effect: 'count', allowedFails: 3, cooldownMs: 10_000 });
    expect(healthDecision(c.router, dep(c), ERROR_OF.TimeoutError())).toMatchObject({ effect: 'count' });
    expect(healthDecision(c.router, dep(c), ERROR_OF.AuthenticationError())).toMatchObject({ effect: 'immediate' });
    expect(healthDecision(c.router, dep(c), new UpstreamError('not_found', 'gone', 404))).toMatchObject({ effect: 'immediate' });
    expect(healthDecision(c.router, dep(c), ERROR_OF.BadRequestError())).toBeNull();
    expect(healthDecision(c.router, dep(c), new UpstreamError('breaker_open', 'open'))).toBeNull();
  });

  it("a 429 cools down for its Retry-After when that is longer than cooldown_time", () => {
    const c = cfg('');
    expect(healthDecision(c.router, dep(c), new UpstreamError('rate_limited', 'x', 429, 30_000))).toMatchObject({ effect: 'immediate', cooldownMs: 30_000 });
    expect(healthDecision(c.router, dep(c), new UpstreamError('rate_limited', 'x', 429, 1_000))).toMatchObject({ cooldownMs: 10_000 });
  });

  it('disable_cooldowns turns it all off', () => {
    const c = cfg('  disable_cooldowns: true\n  allowed_fails_policy: {InternalServerErrorAllowedFails: 1}');
    for (const cls of ERROR_CLASSES) expect(healthDecision(c.router, dep(c), ERROR_OF[cls]())).toBeNull();
  });
});
