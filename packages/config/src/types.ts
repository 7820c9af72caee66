/**
 * Normalised configuration: what every Switchyard role works from after a LiteLLM-style
 * `config.yaml` has been parsed, validated, had its `os.environ/NAME` references resolved and
 * had its defaults applied. Nothing downstream reads the raw YAML.
 */

/** Routing strategies LiteLLM accepts in `router_settings.routing_strategy`. */
export const ROUTING_STRATEGIES = [
  'simple-shuffle',
  'least-busy',
  'usage-based-routing',
  'usage-based-routing-v2',
  'latency-based-routing',
  'cost-based-routing',
] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * What a model group does when its best tier is unavailable (cooldown, budget or parallelism
 * exhausted): `spill` lets the next tier serve at once; `wait` keeps the job waiting for the
 * best tier up to `maxWaitMs`, then spills.
 */
export type OverflowPolicy = { readonly policy: 'spill' } | { readonly policy: 'wait'; readonly maxWaitMs: number };

/** Providers the worker has an adapter for today. */
export const SUPPORTED_PROVIDERS = ['openai', 'openai_compatible', 'hosted_vllm', 'mock', 'vertex_ai', 'azure', 'anthropic', 'bedrock'] as const;

/**
 * LiteLLM's error classes, as used by `retry_policy` (`<Class>Retries`) and
 * `allowed_fails_policy` (`<Class>AllowedFails`).
 */
export const ERROR_CLASSES = [
  'BadRequestError',
  'AuthenticationError',
  'TimeoutError',
  'RateLimitError',
  'ContentPolicyViolationError',
  'InternalServerError',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Per error class numbers; a class without an entry uses the general setting. */
export type ErrorClassPolicy = Readonly<Partial<Record<ErrorClass, number>>>;

/** One upstream endpoint + key + model: the unit the scheduler assigns jobs to. */
export interface Deployment {
  /** `model_info.id` when given, else a stable hash of `model_name` + raw `litellm_params`. */
  readonly id: string;
  /** The model group (`model_name`) clients ask for. */
  readonly group: string;
  /** Provider prefix of `litellm_params.model` (`openai/gpt-4o` → `openai`); `openai` when absent. */
  readonly provider: string;
  /** Model name sent upstream (`litellm_params.model` without the provider prefix). */
  readonly model: string;
  /** `litellm_params.api_base`, trailing slash removed; undefined = the provider's default. */
  readonly apiBase?: string;
  /** Resolved `litellm_params.api_key`. Secret: never log, never return over HTTP. */
  readonly apiKey?: string;
  /** `litellm_params.api_version` (Azure). */
  readonly apiVersion?: string;
  /** `litellm_params.order`; lower is preferred. */
  readonly order?: number;
  /** Deployment-level `priority` (older guides; higher is preferred). */
  readonly priority?: number;
  /**
   * Dense tier rank inside the group, 0 = most preferred. Deployments with `order` come first
   * (ascending order), then deployments with only `priority` (descending priority), then the
   * rest. Computed per group.
   */
  readonly tier: number;
  /** Shuffle weight: `weight`, else rpm, else tpm, else 1. */
  readonly weight: number;
  /** Requests per minute (`litellm_params.rpm` or deployment top-level `rpm`). */
  readonly rpm?: number;
  /** Tokens per minute (`litellm_params.tpm` or deployment top-level `tpm`). */
  readonly tpm?: number;
  /**
   * Live in-flight cap across all workers: `litellm_params.max_parallel_requests`, else
   * `router_settings.default_max_parallel_requests`; undefined = unlimited.
   */
  readonly maxParallelRequests?: number;
  /** Upstream call timeout in ms: `litellm_params.timeout` (seconds) else router `timeout`. */
  readonly timeoutMs: number;
  /**
   * Time to first streamed chunk in ms (`litellm_params.stream_timeout`, seconds); undefined =
   * use `timeoutMs`. Added by the config package; optional.
   */
  readonly streamTimeoutMs?: number;
  /** Per-deployment `cooldown_time` override in ms (`litellm_params.cooldown_time`). */
  readonly cooldownMs?: number;
  /** Whether the worker has an adapter for `provider` today. */
  readonly supported: boolean;
  /** `litellm_params.tags` (tag filtering). Default []. */
  readonly tags: readonly string[];
  /**
   * `input_cost_per_token + output_cost_per_token` from `litellm_params`, else `model_info`;
   * undefined when neither gives a cost (cost-based routing ranks it last).
   */
  readonly costPerToken?: number;
  /** The input (prompt) and output (completion) prices behind {@link costPerToken}, from the same source (a missing half is 0). */
  readonly tokenPrices?: { readonly input: number; readonly output: number };
  /** `model_info.max_input_tokens` (context-window pre-call check). */
  readonly maxInputTokens?: number;
  /** `model_info.supports_vision` as given (vision pre-call check). */
  readonly supportsVision?: boolean;
  /**
   * Extra `litellm_params` that are provider request parameters (e.g. `temperature`,
   * `max_tokens`, `extra_headers` excluded) merged into the upstream body as defaults. Never
   * contains routing fields, credentials or endpoint settings.
   */
  readonly defaultParams: Readonly<Record<string, unknown>>;
  /** `model_info` as given (minus `id`), for `/v1/models` and pre-call checks. */
  readonly modelInfo: Readonly<Record<string, unknown>>;
  /**
   * Provider settings from `litellm_params` (`aws_*`, `vertex_*`, `region_name`, …), resolved
   * (`os.environ/` read). May hold secrets: never log, never return over HTTP. Default {}.
   */
  readonly providerSettings: Readonly<Record<string, unknown>>;
  /**
   * Headers sent with every call to this deployment: `litellm_params.headers`, then
   * `extra_headers` over it (names lower-cased, values as strings). They win over a request's
   * own `extra_headers`; the adapter's own headers (auth, `content-type`, `anthropic-version`)
   * are never replaced. May hold secrets: never log, never return over
   * HTTP. Default: none.
   */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /**
   * `drop_params` (`litellm_params`, else `litellm_settings`): adapters drop request parameters
   * their provider cannot take instead of answering 400. Default false.
   */
  readonly dropParams: boolean;
}

/** A model group: every deployment sharing one `model_name`. */
export interface ModelGroup {
  readonly name: string;
  /** Deployments in config-file order. */
  readonly deployments: readonly Deployment[];
}

/** Normalised `router_settings`. Defaults match LiteLLM's where it has one. */
export interface RouterSettings {
  /** `routing_strategy`. Default `simple-shuffle`. */
  readonly routingStrategy: RoutingStrategy;
  /** `num_retries`: retries after the first attempt, per model group. Default 2. */
  readonly numRetries: number;
  /** `timeout` in ms for one upstream call. Default 600 000 (LiteLLM's 600 s). */
  readonly timeoutMs: number;
  /** `allowed_fails`: failures per minute tolerated before cooldown. Default 3. */
  readonly allowedFails: number;
  /** `cooldown_time` in ms. Default 5 000 (LiteLLM's 5 s). */
  readonly cooldownMs: number;
  /** `disable_cooldowns`. Default false. */
  readonly disableCooldowns: boolean;
  /** `fallbacks`: group → ordered fallback groups. Default {}. */
  readonly fallbacks: Readonly<Record<string, readonly string[]>>;
  /** `enable_pre_call_checks` / `enable_pre_call_check` as given (pre-call checks always run). */
  readonly enablePreCallChecks: boolean;
  /** `model_group_alias`: alias → group. Default {}. */
  readonly modelGroupAlias: Readonly<Record<string, string>>;
  /**
   * `default_max_parallel_requests`, already applied to every deployment without its own
   * `max_parallel_requests`; undefined = unlimited. Added by the config package; optional.
   */
  readonly defaultMaxParallelRequests?: number;
  /**
   * `routing_strategy_args.lowest_latency_buffer` (latency-based-routing): deployments whose
   * average latency is within this fraction of the fastest one count as equally fast
   * (0.1 = within 10 %). Default 0.
   */
  readonly lowestLatencyBuffer: number;
  /**
   * `default_priority`: the priority of requests that do not set one (LiteLLM scheduler
   * semantics: lower is served first). Default 0.
   */
  readonly defaultPriority: number;
  /** `enable_tag_filtering`: requests carrying tags go only to deployments with those tags. Default false. */
  readonly enableTagFiltering: boolean;
  /**
   * `model_group_overflow` (Switchyard): group → what to do when the group's best tier is
   * unavailable. Always has a `"*"` entry, the policy of unlisted groups (default `spill`); use
   * `overflowFor` to look a group up. `wait` without `max_wait_ms` waits 60 000 ms.
   */
  readonly overflow: Readonly<Record<string, OverflowPolicy>>;
  /**
   * `default_max_tokens_estimate` (Switchyard): output tokens assumed for a request without
   * `max_tokens` when reserving tpm budget. Default 256.
   */
  readonly defaultMaxTokensEstimate: number;
  /** `litellm_settings.drop_params`: the default of every deployment's `drop_params`. Default false. */
  readonly dropParams: boolean;
  /** `retry_policy`: retries per error class (`TimeoutErrorRetries: 2` → TimeoutError: 2). Default {}. */
  readonly retryPolicy: ErrorClassPolicy;
  /** `model_group_retry_policy`: group → retry policy, overriding `retry_policy` per class. Default {}. */
  readonly modelGroupRetryPolicy: Readonly<Record<string, ErrorClassPolicy>>;
  /** `allowed_fails_policy`: failures per minute tolerated per error class before cooldown. Default {}. */
  readonly allowedFailsPolicy: ErrorClassPolicy;
  /** `context_window_fallbacks`: group → groups for requests too large for it. Default {}. */
  readonly contextWindowFallbacks: Readonly<Record<string, readonly string[]>>;
  /** `content_policy_fallbacks`: group → groups to try after a content policy refusal. Default {}. */
  readonly contentPolicyFallbacks: Readonly<Record<string, readonly string[]>>;
  /** `default_fallbacks`: groups tried after any group without its own `fallbacks` entry. Default []. */
  readonly defaultFallbacks: readonly string[];
  /** `max_fallbacks`: most fallback groups one request may move through. Default 5. */
  readonly maxFallbacks: number;
  /** `retry_after` in ms: the least a retry waits when no other deployment can take it. Default 0. */
  readonly retryAfterMs: number;
}

/** Normalised `general_settings`. */
export interface GeneralSettings {
  /** `master_key`: bearer token clients must present; undefined = no auth. Secret. */
  readonly masterKey?: string;
}

/** One finding while loading: where (`model_list[1].litellm_params.order`) and what. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** The whole normalised configuration. */
export interface SwitchyardConfig {
  readonly groups: ReadonlyMap<string, ModelGroup>;
  /** All deployments in file order. */
  readonly deployments: readonly Deployment[];
  readonly router: RouterSettings;
  readonly general: GeneralSettings;
  /** Non-fatal findings: unknown keys, recognised-but-not-yet-honoured keys, unknown groups. */
  readonly warnings: readonly ConfigIssue[];
}
