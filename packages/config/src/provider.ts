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

/**
 * Whether a `vertex_ai/` model is a partner (Model Garden / MaaS) model, which Vertex serves on
 * the publisher's own endpoint, not Gemini's `generateContent`: `<publisher>/<model>` ids
 * (`deepseek-ai/…`, `meta/…`, `qwen/…`, `openai/…`) and the Mistral (`mistral-*`, `codestral*`)
 * and AI21 (`jamba-*`) models, as LiteLLM routes them. Claude (`claude-*`) has its own adapter.
 */
export function isVertexPartnerModel(model: string): boolean {
  return model.includes('/') || /^(mistral|codestral|jamba)/i.test(model);
}

/**
 * Whether a `vertex_ai/` model names a deployed endpoint by its numeric id (`openai/<id>`,
 * `gemini/<id>`: a self-deployed Model Garden model or a tuned Gemini, served at
 * `endpoints/<id>`), which no adapter calls yet, rather than a publisher's model.
 */
export function isVertexEndpointModel(model: string): boolean {
  return /^[^/]+\/\d+$/.test(model);
}
