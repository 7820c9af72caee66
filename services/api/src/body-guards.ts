import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { InvalidUtf8Error, NestingTooDeepError, UnsupportedMediaTypeError } from './errors.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

/** Media types `express.json` parses: `application/json` and `application/*+json`. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.+-]+\+)?json$/;
const CHARSET_PARAM = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

/** Whether the request announces a non-empty body (chunked, or Content-Length > 0). */
function announcesBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > 0;
}

/**
 * POST requests must send JSON: a non-JSON `Content-Type`, or a body without any, is a 415
 * `unsupported_media_type`; a charset other than UTF-8 is a 415 `unsupported_encoding`.
 * A POST without a body and without a `Content-Type` (e.g. a cancel) passes.
 */
export function requireJsonContentType(): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== 'POST') return next();
    const declared = req.headers['content-type'];
    if (declared === undefined || declared.trim() === '') {
      if (!announcesBody(req)) return next();
      return next(new UnsupportedMediaTypeError('The request has a body but no Content-Type; send Content-Type: application/json.'));
    }
    const mediaType = (declared.split(';', 1)[0] ?? '').trim().toLowerCase();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      const shown = mediaType.slice(0, 100);
      return next(new UnsupportedMediaTypeError(`Unsupported Content-Type "${shown}": request bodies must be JSON (Content-Type: application/json).`));
    }
    const charset = CHARSET_PARAM.exec(declared)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return next(new UnsupportedMediaTypeError(`Unsupported charset "${charset.slice(0, 40)}": JSON bodies must be UTF-8.`, 'unsupported_encoding'));
    }
    next();
  };
}

/**
 * The `verify` hook of `express.json`: rejects bodies that are not valid UTF-8 (400
 * `invalid_utf8`) or nest deeper than `maxDepth` (400 `nesting_too_deep`) before they are parsed.
 *
 * @param maxDepth deepest accepted nesting; default {@link MAX_JSON_DEPTH} (64).
 */
export function verifyJsonBody(maxDepth: number = MAX_JSON_DEPTH): (req: IncomingMessage, res: unknown, buf: Buffer) => void {
  return (_req, _res, buf) => {
    if (!isUtf8(buf)) throw new InvalidUtf8Error();
    if (exceedsJsonDepth(buf, maxDepth)) throw new NestingTooDeepError(maxDepth);
  };
}
