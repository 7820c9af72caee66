/**
 * A tiny STS fake (AWS Query protocol, `POST /` with a form body): `AssumeRole` (SigV4-signed
 * with service `sts`, verified like every call) and `AssumeRoleWithWebIdentity` (unsigned; the
 * token must be one the fake was given) answer the real XML responses with fresh temporary
 * credentials, which the fake then accepts on the Bedrock routes, session token required.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { queryXmlError, xmlEscape, type AwsErrorReply } from './aws-errors.js';
import type { FakeAwsCredential } from './sigv4.js';

/** The STS reply: XML success or error. */
export interface StsReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function id(prefix: string, n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + Array.from(randomBytes(n), (x) => alphabet[x % alphabet.length]).join('');
}

function ok(action: 'AssumeRole' | 'AssumeRoleWithWebIdentity', cred: FakeAwsCredential, expiration: Date, session: string, account: string, role: string): StsReply {
  const extra = action === 'AssumeRoleWithWebIdentity' ? '    <SubjectFromWebIdentityToken>fake-subject</SubjectFromWebIdentityToken>\n' : '';
  const body =
    `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <${action}Result>\n${extra}` +
    `    <AssumedRoleUser>\n      <AssumedRoleId>${id('AROA', 17)}:${xmlEscape(session)}</AssumedRoleId>\n` +
    `      <Arn>arn:aws:sts::${account}:assumed-role/${xmlEscape(role)}/${xmlEscape(session)}</Arn>\n    </AssumedRoleUser>\n` +
    `    <Credentials>\n      <AccessKeyId>${cred.accessKeyId}</AccessKeyId>\n      <SecretAccessKey>${cred.secretAccessKey}</SecretAccessKey>\n` +
    `      <SessionToken>${cred.sessionToken ?? ''}</SessionToken>\n      <Expiration>${expiration.toISOString()}</Expiration>\n    </Credentials>\n` +
    `  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

/** Options of {@link handleSts}. */
export interface StsContext {
  /** Web identity tokens accepted by AssumeRoleWithWebIdentity. */
  readonly webIdentityTokens: ReadonlySet<string>;
  /** Registers issued temporary credentials. */
  readonly issue: (cred: FakeAwsCredential) => void;
  /** Whether the request's SigV4 signature was verified (AssumeRole needs it). */
  readonly signed: boolean;
}

/** Answers one STS action from its form body. */
export function handleSts(form: URLSearchParams, ctx: StsContext): StsReply | AwsErrorReply {
  const action = form.get('Action');
  if (form.get('Version') !== '2011-06-15') return queryXmlError(400, 'InvalidParameterValue', 'Version must be 2011-06-15');
  if (action !== 'AssumeRole' && action !== 'AssumeRoleWithWebIdentity') {
    return queryXmlError(400, 'InvalidAction', `Could not find operation ${action ?? ''} for version 2011-06-15`);
  }
  const roleArn = form.get('RoleArn') ?? '';
  const session = form.get('RoleSessionName') ?? '';
  const m = ROLE_ARN.exec(roleArn);
  if (!m) return queryXmlError(400, 'ValidationError', `${roleArn} is invalid`);
  if (!SESSION_NAME.test(session)) {
    return queryXmlError(400, 'ValidationError', "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
  }
  if (action === 'AssumeRoleWithWebIdentity') {
    const token = form.get('WebIdentityToken') ?? '';
    if (!ctx.webIdentityTokens.has(token)) return queryXmlError(400, 'InvalidIdentityToken', 'The web identity token that was passed could not be validated by AWS.');
  } else if (!ctx.signed) {
    return queryXmlError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  const duration = Number(form.get('DurationSeconds') ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) return queryXmlError(400, 'ValidationError', 'DurationSeconds out of range');
  const cred: FakeAwsCredential = {
    accessKeyId: id('ASIA', 16),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `FwoGZXIvYXdzE${randomBytes(96).toString('base64')}`,
  };
  ctx.issue(cred);
  return ok(action, cred, new Date(Date.now() + duration * 1000), session, m[1] ?? '000000000000', m[2] ?? 'role');
}
