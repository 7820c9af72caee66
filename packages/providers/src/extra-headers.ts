import { ExtraHeadersError, readRequestExtraHeaders, type Deployment } from '@switchyard/config';
import { UpstreamError } from './upstream-error.js';

/** Headers whose values from every source are combined (comma lists of feature flags). */
const MERGED = new Set(['anthropic-beta']);

/** Adds comma-separated values to a list, each once, in order. */
function addValues(into: string[], value: string | undefined): void {
  if (value === undefined) return;
  for (const item of value.split(',')) {
    const v = item.trim();
    if (v !== '' && !into.includes(v)) into.push(v);
  }
}

/**
 * The headers of one upstream call: the request's own `extra_headers` (LiteLLM's field; never
 * sent in the body), then the deployment's `extraHeaders` over them (the operator's headers
 * win), then `base`, the adapter's own headers (auth, `content-type`, `accept`,
 * `anthropic-version`), which nothing replaces. `anthropic-beta` values from all three are
 * combined instead. Returns `base` itself when there is nothing to add. A request's
 * `extra_headers` that cannot be sent (a non-object, a bad name or value, `host`,
 * `content-length`, …) or that names a credential or tenant header (`isOperatorOnlyHeader`:
 * `authorization`, `openai-organization`, `x-goog-*`, …) is a `bad_request`.
 */
export function callHeaders(
  base: Readonly<Record<string, string>>,
  d: Pick<Deployment, 'extraHeaders'>,
  clientBody: Readonly<Record<string, unknown>>,
): Readonly<Record<string, string>> {
  const fromRequest = clientBody.extra_headers;
  if (d.extraHeaders === undefined && (fromRequest === undefined || fromRequest === null)) return base;
  let own: Record<string, string>;
  try {
    own = readRequestExtraHeaders(fromRequest);
  } catch (err) {
    if (err instanceof ExtraHeadersError) throw new UpstreamError('bad_request', err.message, 400);
    throw err;
  }
  const out: Record<string, string> = { ...own, ...d.extraHeaders, ...base };
  for (const name of MERGED) {
    const values: string[] = [];
    addValues(values, d.extraHeaders?.[name]);
    addValues(values, own[name]);
    addValues(values, base[name]);
    if (values.length > 0) out[name] = values.join(',');
  }
  return out;
}
