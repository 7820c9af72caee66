/**
 * SigV4 verification for the Bedrock fake: the signature a request carries is recomputed with
 * `@smithy/signature-v4` from what the fake received (method, raw path, query, the headers the
 * client listed as signed, the body) and the secret of the access key it names, then compared.
 * The body hash (`x-amz-content-sha256`, when sent) must match the body, the date must be within
 * 15 minutes, the credential scope must name the expected service (and region, when the fake is
 * pinned to one), and temporary keys must come with their session token.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** One access key the fake accepts. */
export interface FakeAwsCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Required in `x-amz-security-token` (and signed) when set: temporary credentials. */
  readonly sessionToken?: string;
}

/** What was received, as the verifier needs it. */
export interface ReceivedRequest {
  readonly method: string;
  /** The raw request target (`req.url`: path, already URL-encoded, plus query). */
  readonly url: string;
  /** Lower-cased header names (Node's `req.headers`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Why a request was refused: the AWS error code, the status and the message the real service sends. */
export interface SigV4Failure {
  readonly ok: false;
  readonly code:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException'
    | 'ExpiredTokenException';
  readonly status: 403 | 400;
  readonly message: string;
}

/** Verification result. */
export type SigV4Result = { readonly ok: true; readonly accessKeyId: string } | SigV4Failure;

/** Node's SHA-256 (HMAC-SHA-256 when given a key), as `@smithy/signature-v4` takes a hash constructor. */
export class Sha256Node {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {
    // one hash per instance: the signer never resets
  }
}

function toBuffer(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

/** How far a request's `x-amz-date` may be from the fake's clock. */
const MAX_SKEW_MS = 15 * 60_000;

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;\-._]+),\s*Signature=([0-9a-f]{64})$/;

function header(h: ReceivedRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function fail(code: SigV4Failure['code'], message: string, status: 403 | 400 = 403): SigV4Failure {
  return { ok: false, code, status, message };
}

/** Parses `YYYYMMDDTHHMMSSZ`. */
function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se));
}

/** Options of {@link verifySigV4}. */
export interface VerifyOptions {
  /** The signing service the route expects (`bedrock`, `sts`). */
  readonly service: string;
  /** When set, the credential scope must name this region. Default: any region. */
  readonly region?: string;
  /** Looks an access key up. */
  readonly lookup: (accessKeyId: string) => FakeAwsCredential | undefined;
  /** The fake's clock (tests). Default `Date.now`. */
  readonly now?: () => number;
}

/** Verifies the SigV4 `Authorization` header of a received request. */
export async function verifySigV4(req: ReceivedRequest, opts: VerifyOptions): Promise<SigV4Result> {
  const auth = header(req.headers, 'authorization');
  if (auth === undefined || auth === '') return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = AUTH_RE.exec(auth.trim());
  if (!m) return fail('IncompleteSignatureException', `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.`, 400);
  const [, accessKeyId = '', scopeDate = '', region = '', service = '', signedList = '', signature = ''] = m;
  const amzDate = header(req.headers, 'x-amz-date');
  const date = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !date) return fail('IncompleteSignatureException', 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.', 400);
  const now = (opts.now ?? Date.now)();
  if (Math.abs(now - date.getTime()) > MAX_SKEW_MS) {
    return fail('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier or later than the allowed 15 minute window.`);
  }
  if (scopeDate !== amzDate.slice(0, 8)) return fail('InvalidSignatureException', 'Credential should be scoped to a valid date.');
  if (service !== opts.service) return fail('InvalidSignatureException', `Credential should be scoped to correct service: '${opts.service}'.`);
  if (opts.region !== undefined && region !== opts.region) {
    return fail('InvalidSignatureException', `Credential should be scoped to a valid region.`);
  }
  const cred = opts.lookup(accessKeyId);
  if (!cred) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const token = header(req.headers, 'x-amz-security-token');
  if (cred.sessionToken !== undefined && token !== cred.sessionToken) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const signed = signedList.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return fail('InvalidSignatureException', MISMATCH);
  if (token !== undefined && !signed.includes('x-amz-security-token')) return fail('InvalidSignatureException', MISMATCH);
  // the body hash the client signed must be the body received
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const claimed = header(req.headers, 'x-amz-content-sha256');
  if (claimed !== undefined && claimed !== bodyHash) return fail('InvalidSignatureException', MISMATCH);

  const headers: Record<string, string> = {};
  for (const name of signed) {
    const v = header(req.headers, name);
    if (v === undefined) return fail('InvalidSignatureException', MISMATCH);
    headers[name] = v;
  }
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const query: Record<string, string | string[]> = {};
  if (q !== -1) {
    for (const [k, v] of new URLSearchParams(req.url.slice(q + 1))) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  const request = new HttpRequest({ method: req.method, protocol: 'https:', hostname: headers.host ?? 'localhost', path, query, headers, body: req.body });
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: cred.secretAccessKey, ...(cred.sessionToken !== undefined ? { sessionToken: cred.sessionToken } : {}) },
    region,
    service,
    sha256: Sha256Node,
    applyChecksum: false,
  });
  const resigned = await signer.sign(request, { signingDate: date, signableHeaders: new Set(signed) });
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization ?? ''))?.[1] ?? '';
  const ok = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return ok ? { ok: true, accessKeyId } : fail('InvalidSignatureException', MISMATCH);
}
