/**
 * Extra HTTP headers sent to a provider: a deployment's `litellm_params.extra_headers` (and
 * `headers`, LiteLLM's older name) and a request's own `extra_headers`. One reader for both, so
 * the two obey the same rules.
 */

/** RFC 9110 field name (a token). */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field value undici sends: tab, visible ASCII and Latin-1 (no CR/LF, which would split the request, nor other controls). */
const GOOD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Headers that belong to the connection or the message framing, never to the caller: undici
 * sets them itself, and a wrong one would corrupt the request (`accept-encoding` would bring a
 * compressed answer the adapters do not decode).
 */
export const FORBIDDEN_EXTRA_HEADERS: ReadonlySet<string> = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer',
  'expect', 'proxy-connection', 'proxy-authorization', 'accept-encoding', 'content-encoding',
]);

/**
 * Headers a request's own `extra_headers` may not set, beyond {@link FORBIDDEN_EXTRA_HEADERS}:
 * credentials and tenant selectors. A caller could otherwise make the upstream answer 401/403,
 * which cools the shared deployment down for everyone. The operator may set them in the config.
 */
export function isOperatorOnlyHeader(name: string): boolean {
  return (
    ['authorization', 'x-api-key', 'api-key', 'cookie', 'openai-organization', 'openai-project', 'anthropic-version'].includes(name) ||
    name.startsWith('x-goog-') ||
    name.startsWith('x-amz-') ||
    name.startsWith('proxy-')
  );
}

/** A header record that cannot be sent, with the reason. */
export class ExtraHeadersError extends Error {
  override readonly name = 'ExtraHeadersError';
}

/**
 * Reads a header record: names lower-cased, values as strings (numbers and booleans are
 * written out, a list is joined with `, `). `undefined`/`null` is no headers. Throws
 * {@link ExtraHeadersError} for anything else: a non-object, a name that is no HTTP token or is
 * in {@link FORBIDDEN_EXTRA_HEADERS}, a value that is an object or holds a control character
 * or a character beyond Latin-1.
 * `where` names the field in the message (e.g. `extra_headers`).
 */
export function readExtraHeaders(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ExtraHeadersError(`${where} must be an object of header names to values`);
  const out: Record<string, string> = {};
  for (const [rawName, raw] of Object.entries(value)) {
    const name = rawName.toLowerCase();
    if (!FIELD_NAME.test(name)) throw new ExtraHeadersError(`${where}: ${JSON.stringify(rawName)} is not a valid header name`);
    if (FORBIDDEN_EXTRA_HEADERS.has(name)) throw new ExtraHeadersError(`${where}: the header "${name}" cannot be set`);
    if (raw === undefined || raw === null) continue;
    const items = Array.isArray(raw) ? raw : [raw];
    const parts: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
        throw new ExtraHeadersError(`${where}: the value of "${name}" must be a string, a number, a boolean or a list of them`);
      }
      const text = String(item).trim();
      if (!GOOD_VALUE.test(text)) throw new ExtraHeadersError(`${where}: the value of "${name}" holds a control character or a character beyond Latin-1`);
      parts.push(text);
    }
    out[name] = out[name] === undefined ? parts.join(', ') : `${out[name]}, ${parts.join(', ')}`;
  }
  return out;
}

/**
 * A request's own `extra_headers`: {@link readExtraHeaders}, and no header that
 * {@link isOperatorOnlyHeader} keeps for the config. Throws {@link ExtraHeadersError}.
 */
export function readRequestExtraHeaders(value: unknown): Record<string, string> {
  const headers = readExtraHeaders(value, 'extra_headers');
  const refused = Object.keys(headers).find(isOperatorOnlyHeader);
  if (refused !== undefined) throw new ExtraHeadersError(`extra_headers: the header "${refused}" can only be set in the deployment's config`);
  return headers;
}
