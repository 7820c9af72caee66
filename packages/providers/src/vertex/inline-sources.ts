import type { AnthropicRequest } from '../anthropic/types.js';
import { UpstreamError } from '../upstream-error.js';

/** Largest image or document fetched to be inlined. Default 20 MiB (Vertex's request limit is 30 MB). */
export const MAX_INLINED_BYTES = 20 * 1024 * 1024;

/** Media types Claude takes as images; documents must be PDF. */
const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DOCUMENT_TYPES: ReadonlySet<string> = new Set(['application/pdf']);

type UrlSource = { type: 'url'; url: string };
type Block = { type?: unknown; source?: unknown; content?: unknown };

const isUrlSource = (s: unknown): s is UrlSource =>
  typeof s === 'object' && s !== null && (s as { type?: unknown }).type === 'url' && typeof (s as { url?: unknown }).url === 'string';

/** The 400 a client's unusable URL earns (never retried, never the deployment's fault). */
const refused = (url: string, why: string): UpstreamError =>
  new UpstreamError('bad_request', `Claude on Vertex AI takes no URL sources, and ${url.slice(0, 200)} could not be inlined: ${why}`, 400);

/** Downloads one URL source as base64 of an accepted media type. */
async function download(url: string, accepted: ReadonlySet<string>, signal: AbortSignal): Promise<{ media_type: string; data: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused(url, 'it is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw refused(url, 'only http(s) URLs are fetched');
  let res: Response;
  try {
    res = await fetch(parsed, { signal, redirect: 'follow' });
  } catch (err) {
    if (signal.aborted) throw err;
    throw refused(url, `fetching it failed (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw refused(url, `it answered HTTP ${res.status}`);
  }
  const mediaType = (res.headers.get('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (!accepted.has(mediaType)) {
    await res.body?.cancel().catch(() => undefined);
    throw refused(url, `its content type ${JSON.stringify(mediaType)} is not one of ${[...accepted].join(', ')}`);
  }
  if (Number(res.headers.get('content-length') ?? 0) > MAX_INLINED_BYTES) {
    await res.body?.cancel().catch(() => undefined);
    throw refused(url, `it is larger than ${MAX_INLINED_BYTES} bytes`);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > MAX_INLINED_BYTES) throw refused(url, `it is larger than ${MAX_INLINED_BYTES} bytes`);
  return { media_type: mediaType, data: bytes.toString('base64') };
}

/**
 * Claude on Vertex AI refuses URL image and document sources (`URL sources are not supported`),
 * which the Messages API itself takes: each one — in messages and in tool results — is fetched
 * by the worker and sent inline as base64 (JPEG, PNG, GIF or WebP images; PDF documents; at most
 * {@link MAX_INLINED_BYTES}; http(s) only; redirects followed). A URL that cannot be fetched, or
 * that answers another media type, fails the call with a 400 naming it. Requests without URL
 * sources are returned as they are; others are copied, never changed in place.
 */
export async function inlineUrlSources(req: AnthropicRequest, signal: AbortSignal): Promise<AnthropicRequest> {
  const pending: Promise<void>[] = [];
  const inline = (blocks: unknown): unknown => {
    if (!Array.isArray(blocks)) return blocks;
    return blocks.map((b: Block) => {
      if (typeof b !== 'object' || b === null) return b;
      if ((b.type === 'image' || b.type === 'document') && isUrlSource(b.source)) {
        const copy: Block = { ...b };
        const accepted = b.type === 'image' ? IMAGE_TYPES : DOCUMENT_TYPES;
        pending.push(download(b.source.url, accepted, signal).then((s) => void (copy.source = { type: 'base64', ...s })));
        return copy;
      }
      if (b.type === 'tool_result' && Array.isArray(b.content)) return { ...b, content: inline(b.content) };
      return b;
    });
  };
  const messages = req.messages.map((m) => (Array.isArray(m.content) ? { ...m, content: inline(m.content) } : m));
  if (pending.length === 0) return req;
  await Promise.all(pending);
  return { ...req, messages } as AnthropicRequest;
}
