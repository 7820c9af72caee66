import type { Deployment } from '@switchyard/config';

/** `vertex_location` when a deployment sets none (LiteLLM's default too). */
export const DEFAULT_VERTEX_LOCATION = 'us-central1';

/** Where one Vertex publisher-model call goes. */
export interface VertexTarget {
  /** `vertex_project`. */
  project: string;
  /** `vertex_location`; default {@link DEFAULT_VERTEX_LOCATION}. */
  location?: string;
  /** `google` (Gemini) or `anthropic` (Claude). */
  publisher: string;
  /** Model id, e.g. `gemini-2.5-flash` or `claude-sonnet-4@20250514`. */
  model: string;
  /** `generateContent`, `streamGenerateContent`, `rawPredict`, `streamRawPredict`, … */
  method: string;
  /** `api_base`: replaces scheme and host only (its path, if any, is ignored); default Google's host for the location. */
  apiBase?: string;
  /** Query string (without `?`), e.g. `alt=sse`. */
  query?: string;
}

/**
 * `https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}`;
 * location `global` uses `aiplatform.googleapis.com`.
 */
export function vertexUrl(t: VertexTarget): URL {
  const location = t.location || DEFAULT_VERTEX_LOCATION;
  const origin = vertexOrigin(location, t.apiBase);
  const seg = (s: string): string => encodeURIComponent(s).replace(/%40/g, '@');
  const path = `/v1/projects/${seg(t.project)}/locations/${seg(location)}/publishers/${seg(t.publisher)}/models/${seg(t.model)}:${t.method}`;
  return new URL(`${origin}${path}${t.query ? `?${t.query}` : ''}`);
}

/**
 * The OpenAI-compatible Chat Completions endpoint of Model-as-a-Service partner models:
 * `https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/endpoints/openapi/chat/completions`
 * (location `global`: `aiplatform.googleapis.com`); `apiBase` replaces scheme and host only.
 */
export function vertexOpenApiUrl(t: Pick<VertexTarget, 'project' | 'location' | 'apiBase'>): URL {
  const location = t.location || DEFAULT_VERTEX_LOCATION;
  const seg = (s: string): string => encodeURIComponent(s);
  return new URL(`${vertexOrigin(location, t.apiBase)}/v1/projects/${seg(t.project)}/locations/${seg(location)}/endpoints/openapi/chat/completions`);
}

/** The origin of a location's Vertex API (`global`: `aiplatform.googleapis.com`); `apiBase` replaces it (its path is ignored). */
function vertexOrigin(location: string, apiBase: string | undefined): string {
  if (apiBase) return new URL(apiBase).origin;
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

/** A non-empty string setting of a Vertex deployment (`vertex_project`, `vertex_location`, …), else undefined. */
export function vertexSetting(d: Pick<Deployment, 'providerSettings'>, key: string): string | undefined {
  const v = d.providerSettings[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
