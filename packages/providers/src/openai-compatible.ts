import { Pool } from 'undici';
import type { Deployment } from '@switchyard/config';
import type { ChatCall, ProviderAdapter } from './adapter.js';
import { buildUpstreamBody, scrubSecrets } from './upstream-body.js';
import { classifyResponse, parseRetryAfter, UpstreamError } from './upstream-error.js';

/** Default `api_base` of the `openai/` provider. */
export const OPENAI_DEFAULT_BASE = 'https://api.openai.com/v1';

/** Options of {@link OpenAICompatibleAdapter}. */
export interface OpenAICompatibleOptions {
  /** Keep-alive connections per upstream origin. Default 128. */
  connections?: number;
}

/** Largest error body kept for the message. */
const MAX_ERROR_CHARS = 2_000;

/**
 * Adapter for OpenAI and any OpenAI-compatible server (`api_base` + `/chat/completions`), over
 * an undici keep-alive connection pool.
 */
export class OpenAICompatibleAdapter implements ProviderAdapter {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly deployment: Deployment,
    opts: OpenAICompatibleOptions = {},
  ) {
    const base = new URL(deployment.apiBase ?? OPENAI_DEFAULT_BASE);
    this.path = `${base.pathname.replace(/\/+$/, '')}/chat/completions${base.search}`;
    this.pool = new Pool(base.origin, { connections: opts.connections ?? 128, keepAliveTimeout: 30_000 });
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (deployment.apiKey) this.headers.authorization = `Bearer ${deployment.apiKey}`;
  }

  async chat(call: ChatCall): Promise<unknown> {
    const d = this.deployment;
    const timeout = AbortSignal.timeout(d.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    let res;
    try {
      res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: this.headers,
        body: JSON.stringify(buildUpstreamBody(d, call.body)),
        signal,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) return await res.body.json();
      const text = (await res.body.text()).slice(0, MAX_ERROR_CHARS);
      const { message, code } = parseErrorBody(text);
      throw classifyResponse(res.statusCode, scrubSecrets(d, message), code, parseRetryAfter(res.headers));
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      if (timeout.aborted) throw new UpstreamError('timeout', `upstream did not answer within ${d.timeoutMs} ms`);
      if (call.signal?.aborted) throw new UpstreamError('connection', 'the upstream call was aborted');
      const e = err as { code?: string; message?: string };
      throw new UpstreamError('connection', scrubSecrets(d, `upstream connection failed: ${e.code ?? ''} ${e.message ?? String(err)}`.trim()));
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Extracts message and code from OpenAI-style (or other common) error bodies. */
export function parseErrorBody(text: string): { message: string; code?: string } {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    if (j.error && typeof j.error === 'object') {
      const e = j.error as { message?: unknown; code?: unknown; type?: unknown };
      const code = typeof e.code === 'string' ? e.code : typeof e.type === 'string' ? e.type : undefined;
      return { message: typeof e.message === 'string' ? e.message : text, ...(code ? { code } : {}) };
    }
    if (typeof j.error === 'string') return { message: j.error };
    if (typeof j.message === 'string') return { message: j.message };
    if (typeof j.detail === 'string') return { message: j.detail };
  } catch {
    // not JSON: use the text as it is
  }
  return { message: text };
}
