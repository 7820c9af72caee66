/**
 * Which keys Switchyard knows in each section of a LiteLLM config, and whether it acts on them.
 * "Honoured" keys change behaviour; "recognised" keys are valid LiteLLM settings Switchyard
 * does not act on yet (a warning says so); anything else is an unknown key (also a warning).
 */

/** Key classes for one section. */
export interface SectionKeys {
  readonly honoured: ReadonlySet<string>;
  readonly recognised: ReadonlySet<string>;
}

const section = (honoured: readonly string[], recognised: readonly string[]): SectionKeys => ({
  honoured: new Set(honoured),
  recognised: new Set(recognised),
});

/** Top level of the file. */
export const TOP_LEVEL_KEYS = section(
  ['model_list', 'router_settings', 'litellm_settings', 'general_settings', 'environment_variables'],
  ['include', 'credential_list', 'files_settings', 'assistant_settings', 'guardrails'],
);

/** `router_settings`. */
export const ROUTER_KEYS = section(
  [
    'routing_strategy', 'num_retries', 'timeout', 'allowed_fails', 'cooldown_time', 'disable_cooldowns', 'fallbacks',
    'enable_pre_call_checks', 'enable_pre_call_check', 'model_group_alias', 'default_max_parallel_requests',
    'routing_strategy_args', 'default_priority', 'enable_tag_filtering', 'model_group_overflow',
    'default_max_tokens_estimate', 'retry_policy', 'model_group_retry_policy', 'allowed_fails_policy',
    'context_window_fallbacks', 'content_policy_fallbacks', 'default_fallbacks', 'max_fallbacks', 'retry_after',
  ],
  [
    'redis_host', 'redis_port', 'redis_password', 'redis_url', 'cache_responses', 'cache_kwargs', 'polling_interval',
    'provider_budget_config', 'model_group_affinity_config',
    'optional_pre_call_checks', 'default_litellm_params', 'set_verbose', 'debug_level', 'stream_timeout',
    'client_ttl', 'alerting_config', 'router_general_settings',
  ],
);

/**
 * `router_settings.routing_strategy_args`. LiteLLM's latency tracking knobs `ttl` and
 * `max_latency_list_size` are recognised but not honoured.
 */
export const ROUTING_STRATEGY_ARGS_KEYS = section(['lowest_latency_buffer'], ['ttl', 'max_latency_list_size']);

/** `general_settings`. */
export const GENERAL_KEYS = section(
  ['master_key'],
  [
    'database_url', 'store_model_in_db', 'alerting', 'proxy_batch_write_at', 'database_connection_pool_limit',
    'disable_spend_logs', 'background_health_checks', 'health_check_interval', 'max_request_size_mb',
    'max_response_size_mb', 'allowed_routes', 'ui_access_mode', 'alerting_threshold', 'alert_types',
    'custom_auth', 'enforce_user_param', 'database_connection_timeout', 'allow_requests_on_db_unavailable',
    'health_check_details', 'disable_master_key_return', 'infer_model_from_keys',
  ],
);

/**
 * `litellm_settings`. The honoured ones are accepted silently (`num_retries`, `request_timeout`
 * and the four fallback settings feed router defaults; `drop_params`, `set_verbose`,
 * `json_logs` are harmless to accept).
 */
export const LITELLM_SETTINGS_KEYS = section(
  [
    'num_retries', 'request_timeout', 'drop_params', 'set_verbose', 'json_logs', 'fallbacks',
    'context_window_fallbacks', 'content_policy_fallbacks', 'default_fallbacks',
  ],
  [
    'success_callback', 'failure_callback', 'callbacks', 'service_callback', 'callback_settings', 'cache',
    'cache_params', 'telemetry', 'turn_off_message_logging', 'redact_user_api_key_info', 'redact_messages_in_exceptions',
    'max_budget', 'budget_duration', 'default_team_settings', 'default_internal_user_params', 'modify_params',
    'upperbound_key_generate_params', 'default_key_generate_params', 'ssl_verify', 'force_ipv4',
    'enable_preview_features', 'return_response_headers', 'disable_end_user_cost_tracking',
    'max_internal_user_budget', 'internal_user_budget_duration', 'key_generation_settings', 'guardrails',
    'enable_json_schema_validation', 'public_model_groups', 'max_end_user_budget',
  ],
);

/** Keys of one `model_list` entry besides the free-form `model_info`. */
export const DEPLOYMENT_KEYS = section(['model_name', 'litellm_params', 'model_info', 'rpm', 'tpm', 'priority'], []);

/** `litellm_params` keys Switchyard acts on. */
export const LITELLM_PARAMS_HONOURED: ReadonlySet<string> = new Set([
  'model', 'api_key', 'api_base', 'api_version', 'order', 'weight', 'rpm', 'tpm', 'max_parallel_requests',
  'timeout', 'stream_timeout', 'cooldown_time', 'priority', 'custom_llm_provider', 'tags', 'input_cost_per_token',
  'output_cost_per_token', 'drop_params', 'extra_headers', 'headers',
]);

/**
 * `litellm_params` keys that only matter to providers without an adapter yet (credentials,
 * regions): accepted silently, kept out of `defaultParams` and never echoed in messages.
 */
export const LITELLM_PARAMS_PROVIDER_SETTINGS: ReadonlySet<string> = new Set([
  'aws_region_name', 'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_profile_name',
  'aws_role_name', 'aws_session_name', 'aws_web_identity_token', 'aws_bedrock_runtime_endpoint', 'aws_external_id',
  'vertex_project', 'vertex_location', 'vertex_credentials', 'region_name', 'azure_ad_token',
]);

/** `litellm_params` keys LiteLLM knows that Switchyard does not act on yet (a warning says so). */
export const LITELLM_PARAMS_NOT_HONOURED: ReadonlySet<string> = new Set([
  'max_retries', 'organization', 'input_cost_per_second',
  'output_cost_per_second', 'use_in_pass_through', 'merge_reasoning_content_in_choices', 'mock_response',
  'base_model', 'litellm_credential_name', 'configurable_clientside_auth_params',
]);

/**
 * Whether a `litellm_params` key is a provider request parameter (`temperature`, `max_tokens`,
 * `extra_body`…), i.e. belongs in `defaultParams`. Everything not listed above is.
 */
export function isProviderParam(key: string): boolean {
  return !LITELLM_PARAMS_HONOURED.has(key) && !LITELLM_PARAMS_PROVIDER_SETTINGS.has(key) && !LITELLM_PARAMS_NOT_HONOURED.has(key) && !key.startsWith('aws_');
}

/** Warning text for a key Switchyard does not know. */
export const unknownKeyMessage = (key: string): string => `unknown key "${key}" (ignored)`;
/** Warning text for a valid LiteLLM key Switchyard does not act on yet. */
export const notHonouredMessage = (key: string): string => `recognised but not honoured yet: "${key}"`;
