/** Provider used when `litellm_params.model` has no `provider/` prefix. */
export const DEFAULT_PROVIDER = 'openai';

/**
 * Splits `litellm_params.model` into provider and upstream model name at the first `/`:
 * `vertex_ai/deepseek-ai/deepseek-r1-0528-maas` → `vertex_ai` + `deepseek-ai/deepseek-r1-0528-maas`;
 * no slash → {@link DEFAULT_PROVIDER}. An explicit `custom_llm_provider` wins, as in LiteLLM,
 * and its own prefix (if repeated in `model`) is stripped.
 */
export function splitProvider(model: string, customProvider?: string): { provider: string; model: string } {
  if (customProvider !== undefined && customProvider !== '') {
    const prefix = `${customProvider}/`;
    return { provider: customProvider, model: model.startsWith(prefix) ? model.slice(prefix.length) : model };
  }
  const slash = model.indexOf('/');
  if (slash < 0) return { provider: DEFAULT_PROVIDER, model };
  return { provider: model.slice(0, slash), model: model.slice(slash + 1) };
}
