import { z } from 'zod';
import { ALLOWED_FAILS_SUFFIX, policyKeys, RETRIES_SUFFIX, unknownPolicyKeyMessage } from './policies.js';
import { ROUTING_STRATEGIES } from './types.js';
import { ExtraHeadersError, readExtraHeaders } from './extra-headers.js';

/*
 * Structural validation of a LiteLLM config after `os.environ/` resolution. Objects are loose:
 * unknown keys pass through (they become warnings elsewhere, or provider params). Scalars are
 * lenient the way LiteLLM users need: numeric strings count as numbers, "true"/"false" as
 * booleans, and an empty YAML value (null) as absent.
 */

const absentIfNull = (v: unknown): unknown => (v === null ? undefined : v);

const toNumber = (v: unknown): unknown => {
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v.trim()))) return Number(v.trim());
  return absentIfNull(v);
};

const toBoolean = (v: unknown): unknown => {
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return absentIfNull(v);
};

const toText = (v: unknown): unknown => (typeof v === 'number' ? String(v) : absentIfNull(v));

const num = (inner: z.ZodNumber) => z.preprocess(toNumber, inner.optional());
const nonNegative = () => num(z.number().min(0));
const nonNegativeInt = () => num(z.number().int().min(0));
const positive = () => num(z.number().positive());
const positiveInt = () => num(z.number().int().positive());
/** A concurrency cap: 0 would read as "unlimited" downstream, so at least 1 is required. */
const cap = () => num(z.number().int().min(1));
const optBoolean = () => z.preprocess(toBoolean, z.boolean().optional());
const optString = () => z.preprocess(absentIfNull, z.string().optional());
const optText = () => z.preprocess(toText, z.string().optional());
const optList = <T extends z.ZodType>(item: T) => z.preprocess(absentIfNull, z.array(item).optional());

/** A header record (`extra_headers`, `headers`): validated by {@link readExtraHeaders}, kept as given. */
const headerRecord = (where: string) =>
  z.preprocess(
    absentIfNull,
    z
      .unknown()
      .superRefine((value, ctx) => {
        try {
          readExtraHeaders(value, where);
        } catch (err) {
          if (!(err instanceof ExtraHeadersError)) throw err;
          ctx.addIssue({ code: 'custom', message: err.message });
        }
      })
      .optional(),
  );

const isHttpUrl = (s: string): boolean => {
  try {
    const url = new URL(s);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

/** `litellm_params` of one deployment. */
export const litellmParamsSchema = z.looseObject({
  drop_params: optBoolean(),
  model: z
    .string()
    .min(1)
    .refine((m) => !m.startsWith('/') && !m.endsWith('/'), { message: 'expected "provider/model" or "model"' }),
  api_key: optString(),
  api_base: z.preprocess(absentIfNull, z.string().refine(isHttpUrl, { message: 'expected an http(s) URL' }).optional()),
  api_version: optText(),
  order: nonNegative(),
  weight: nonNegative(),
  rpm: nonNegative(),
  tpm: nonNegative(),
  max_parallel_requests: cap(),
  timeout: positive(),
  stream_timeout: positive(),
  cooldown_time: nonNegative(),
  priority: num(z.number()),
  custom_llm_provider: optString(),
  tags: optList(z.preprocess(toText, z.string().min(1))),
  input_cost_per_token: nonNegative(),
  output_cost_per_token: nonNegative(),
  extra_headers: headerRecord('extra_headers'),
  headers: headerRecord('headers'),
});

/** `model_info`: free-form, but the keys Switchyard reads must be well-typed. */
export const modelInfoSchema = z.looseObject({
  id: optText(),
  input_cost_per_token: nonNegative(),
  output_cost_per_token: nonNegative(),
  max_input_tokens: positiveInt(),
  supports_vision: optBoolean(),
});

/** One `model_list` entry. */
export const deploymentSchema = z.looseObject({
  model_name: z.preprocess(toText, z.string().min(1)),
  litellm_params: litellmParamsSchema,
  model_info: z.preprocess(absentIfNull, modelInfoSchema.optional()),
  rpm: nonNegative(),
  tpm: nonNegative(),
  priority: num(z.number()),
});

const groupList = z.array(z.string().min(1));

/**
 * `fallbacks` (and `context_window_fallbacks`, `content_policy_fallbacks`): LiteLLM's list of
 * single-key maps, or one map.
 */
export const fallbacksSchema = z.union([z.array(z.record(z.string(), groupList)), z.record(z.string(), groupList)]);
const optFallbacks = () => z.preprocess(absentIfNull, fallbacksSchema.optional());
/** `default_fallbacks`: a list of group names. */
const optGroupList = () => z.preprocess(absentIfNull, groupList.optional());

/**
 * A per-error-class policy: `<Class><suffix>` keys (`TimeoutErrorRetries`) with non-negative
 * whole numbers. LiteLLM's `RetryPolicy`/`AllowedFailsPolicy` are strict models, so an unknown
 * key (usually a typo) is an error naming the valid keys, reported at the key itself.
 */
const errorClassPolicy = (setting: string, suffix: string) => {
  const valid: ReadonlySet<string> = new Set(policyKeys(suffix));
  const key = z.string().superRefine((k, ctx) => {
    if (!valid.has(k)) ctx.addIssue({ code: 'custom', message: unknownPolicyKeyMessage(setting, suffix, k) });
  });
  return z.record(key, nonNegativeInt());
};

/** `retry_policy`: `{TimeoutErrorRetries: 2, …}`. */
export const retryPolicySchema = errorClassPolicy('retry_policy', RETRIES_SUFFIX);
/** `allowed_fails_policy`: `{RateLimitErrorAllowedFails: 10, …}`. */
export const allowedFailsPolicySchema = errorClassPolicy('allowed_fails_policy', ALLOWED_FAILS_SUFFIX);

/** `model_group_alias` targets: a group name, or `{model: group, hidden: bool}`. */
const aliasTarget = z.union([z.string().min(1), z.looseObject({ model: z.string().min(1), hidden: optBoolean() })]);

/**
 * One `model_group_overflow` value: `spill`, `wait`, `{policy: spill}` or
 * `{policy: wait, max_wait_ms: N}`.
 */
export const overflowPolicySchema = z.union([
  z.enum(['spill', 'wait']),
  z
    .strictObject({ policy: z.enum(['spill', 'wait']), max_wait_ms: nonNegativeInt() })
    .refine((o) => o.policy === 'wait' || o.max_wait_ms === undefined, {
      message: 'max_wait_ms only applies to policy: wait',
      path: ['max_wait_ms'],
    }),
]);

/** `routing_strategy_args` (only the keys Switchyard reads are typed). */
export const routingStrategyArgsSchema = z.looseObject({
  lowest_latency_buffer: nonNegative(),
});

/** `router_settings`. */
export const routerSettingsSchema = z.looseObject({
  routing_strategy: z.preprocess(absentIfNull, z.enum(ROUTING_STRATEGIES).optional()),
  num_retries: nonNegativeInt(),
  timeout: positive(),
  allowed_fails: nonNegativeInt(),
  cooldown_time: nonNegative(),
  disable_cooldowns: optBoolean(),
  fallbacks: optFallbacks(),
  context_window_fallbacks: optFallbacks(),
  content_policy_fallbacks: optFallbacks(),
  default_fallbacks: optGroupList(),
  max_fallbacks: positiveInt(),
  retry_policy: z.preprocess(absentIfNull, retryPolicySchema.optional()),
  model_group_retry_policy: z.preprocess(
    absentIfNull,
    z.record(z.string(), z.preprocess(absentIfNull, retryPolicySchema.optional())).optional(),
  ),
  allowed_fails_policy: z.preprocess(absentIfNull, allowedFailsPolicySchema.optional()),
  retry_after: nonNegative(),
  enable_pre_call_checks: optBoolean(),
  enable_pre_call_check: optBoolean(),
  model_group_alias: z.preprocess(absentIfNull, z.record(z.string(), aliasTarget).optional()),
  default_max_parallel_requests: cap(),
  routing_strategy_args: z.preprocess(absentIfNull, routingStrategyArgsSchema.optional()),
  default_priority: nonNegativeInt(),
  enable_tag_filtering: optBoolean(),
  model_group_overflow: z.preprocess(absentIfNull, z.record(z.string(), overflowPolicySchema).optional()),
  default_max_tokens_estimate: positiveInt(),
});

/** `litellm_settings` (only the keys Switchyard reads are typed). */
export const litellmSettingsSchema = z.looseObject({
  num_retries: nonNegativeInt(),
  request_timeout: positive(),
  drop_params: optBoolean(),
  set_verbose: optBoolean(),
  json_logs: optBoolean(),
  fallbacks: optFallbacks(),
  context_window_fallbacks: optFallbacks(),
  content_policy_fallbacks: optFallbacks(),
  default_fallbacks: optGroupList(),
});

/** `general_settings`. */
export const generalSettingsSchema = z.looseObject({
  master_key: z.preprocess(absentIfNull, z.string().min(1).optional()),
});

const section = <T extends z.ZodType>(schema: T) => z.preprocess(absentIfNull, schema.optional());

/** The whole file. */
export const configSchema = z.looseObject({
  model_list: z.array(deploymentSchema).min(1),
  router_settings: section(routerSettingsSchema),
  litellm_settings: section(litellmSettingsSchema),
  general_settings: section(generalSettingsSchema),
  environment_variables: section(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
});

/** A structurally valid config. */
export type RawConfig = z.infer<typeof configSchema>;
/** A structurally valid `model_list` entry. */
export type RawDeployment = z.infer<typeof deploymentSchema>;
/** A structurally valid `router_settings`. */
export type RawRouterSettings = z.infer<typeof routerSettingsSchema>;
/** A structurally valid `litellm_settings`. */
export type RawLitellmSettings = z.infer<typeof litellmSettingsSchema>;
/** A structurally valid `fallbacks`-shaped value. */
export type RawFallbacks = z.infer<typeof fallbacksSchema>;
