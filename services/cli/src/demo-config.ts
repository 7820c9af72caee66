/**
 * The demo configuration `switchyard start` serves without `--config`: one model group with a
 * primary (order 1) and a backup (order 2) deployment, each on its own built-in mock upstream.
 */
export function demoConfigYaml(primaryBaseUrl: string, backupBaseUrl: string): string {
  return `# Switchyard demo: two tiers of one model group, both on built-in mock upstreams.
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/mock-primary
      api_base: ${primaryBaseUrl}/v1
      api_key: sk-demo-primary
      order: 1
    model_info:
      id: demo-primary
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/mock-backup
      api_base: ${backupBaseUrl}/v1
      api_key: sk-demo-backup
      order: 2
    model_info:
      id: demo-backup
router_settings:
  num_retries: 2
  allowed_fails: 3
  cooldown_time: 10
`;
}
