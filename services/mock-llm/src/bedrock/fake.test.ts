import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage } from './eventstream.js';
import { parseConverseBody } from './schema.js';
import { DEFAULT_FAKE_CREDENTIAL, startBedrockFake, type BedrockFake, type StartBedrockFakeOptions } from './server.js';
import { Sha256Node } from './sigv4.js';

const fakes: BedrockFake[] = [];
async function fake(opts: StartBedrockFakeOptions = {}): Promise<BedrockFake> {
  const f = await startBedrockFake(opts);
  fakes.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const BODY = { messages: [{ role: 'user', content: [{ text: 'Hello' }] }] };
const MODEL_PATH = `/model/${encodeURIComponent('anthropic.claude-3-haiku-20240307-v1:0')}`;

interface SignOpts {
  secret?: string;
  service?: string;
  date?: Date;
  sendBody?: string;
  sessionToken?: string;
  accessKeyId?: string;
}

/** Signs like the SDK does (SigV4, body hash header) and sends over fetch. */
async function signedPost(f: BedrockFake, path: string, body: string, o: SignOpts = {}, contentType = 'application/json'): Promise<Response> {
  const url = new URL(f.url);
  const req = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, 'content-type': contentType },
    body,
  });
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: o.accessKeyId ?? DEFAULT_FAKE_CREDENTIAL.accessKeyId,
      secretAccessKey: o.secret ?? DEFAULT_FAKE_CREDENTIAL.secretAccessKey,
      ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}),
    },
    region: 'us-east-1',
    service: o.service ?? 'bedrock',
    sha256: Sha256Node,
  });
  const signed = await signer.sign(req, o.date ? { signingDate: o.date } : {});
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return fetch(`${f.url}${path}`, { method: 'POST', headers, body: o.sendBody ?? body });
}

/** Splits an event-stream body into its messages (each starts with its 4-byte total length). */
function messages(buf: Uint8Array): Array<{ headers: Record<string, unknown>; body: string }> {
  const out = [];
  let off = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (off < buf.length) {
    const len = view.getUint32(off);
    out.push(decodeMessage(buf.subarray(off, off + len)));
    off += len;
  }
  return out;
}

describe('Bedrock fake: SigV4', () => {
  it('accepts a correctly signed Converse call', async () => {
    const f = await fake();
    const res = await signedPost(f, `${MODEL_PATH}/converse`, JSON.stringify(BODY));
    expect(res.status).toBe(200);
    const json = (await res.json()) as { output: { message: { content: Array<{ text: string }> } }; stopReason: string; usage: Record<string, number> };
    expect(json.output.message.content[0]?.text).toBe('Hello from the Bedrock fake');
    expect(json.stopReason).toBe('end_turn');
    expect(f.stats().lastModelId).toBe('anthropic.claude-3-haiku-20240307-v1:0');
  });

  it('rejects a missing signature', async () => {
    const f = await fake();
    const res = await fetch(`${f.url}${MODEL_PATH}/converse`, { method: 'POST', body: JSON.stringify(BODY), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('rejects a wrong secret, a tampered body, a stale date and an unknown key', async () => {
    const f = await fake();
    const path = `${MODEL_PATH}/converse`;
    const body = JSON.stringify(BODY);
    for (const o of [{ secret: 'not-the-secret' }, { sendBody: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Evil' }] }] }) }, { service: 'sts' }]) {
      const res = await signedPost(f, path, body, o);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    }
    const wrong = await signedPost(f, path, body, { secret: 'not-the-secret' });
    expect(((await wrong.json()) as { message: string }).message).toMatch(/^The request signature we calculated does not match/);
    const stale = await signedPost(f, path, body, { date: new Date(Date.now() - 20 * 60_000) });
    expect([stale.status, stale.headers.get('x-amzn-errortype')]).toEqual([403, 'InvalidSignatureException']);
    const unknown = await signedPost(f, path, body, { accessKeyId: 'AKIANOBODY0000000000' });
    expect([unknown.status, unknown.headers.get('x-amzn-errortype')]).toEqual([403, 'UnrecognizedClientException']);
    expect(f.stats().authFailures).toBe(6);
    expect(f.stats().converse).toBe(6);
  });

  it('requires the session token of temporary credentials', async () => {
    const cred = { accessKeyId: 'ASIATEST000000000001', secretAccessKey: 'tmp-secret', sessionToken: 'tok' };
    const f = await fake({ credentials: [cred] });
    const path = `${MODEL_PATH}/converse`;
    const body = JSON.stringify(BODY);
    expect((await signedPost(f, path, body, { accessKeyId: cred.accessKeyId, secret: cred.secretAccessKey, sessionToken: 'tok' })).status).toBe(200);
    const none = await signedPost(f, path, body, { accessKeyId: cred.accessKeyId, secret: cred.secretAccessKey });
    expect([none.status, none.headers.get('x-amzn-errortype')]).toEqual([403, 'UnrecognizedClientException']);
  });
});

describe('Bedrock fake: Converse', () => {
  it('rejects unknown fields and invalid conversations with ValidationException', async () => {
    const f = await fake();
    const path = `${MODEL_PATH}/converse`;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...BODY, max_tokens: 5 }, /extraneous key \[max_tokens\]/],
      [{ messages: [{ role: 'assistant', content: [{ text: 'x' }] }] }, /must start with a user message/],
      [{ messages: [{ role: 'user', content: [{ text: 'a' }] }, { role: 'user', content: [{ text: 'b' }] }] }, /must alternate/],
      [{ messages: [] }, /./],
      [{ messages: [{ role: 'user', content: [{ text: '  ' }] }] }, /text field in the ContentBlock object is blank/],
      [
        {
          messages: [
            { role: 'user', content: [{ text: 'q' }] },
            { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'f', input: {} } }] },
          ],
        },
        /toolConfig field must be defined/,
      ],
      [{ ...BODY, inferenceConfig: { temperature: 1.5 } }, /./],
    ];
    for (const [body, msg] of cases) {
      const res = await signedPost(f, path, JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
      expect(((await res.json()) as { message: string }).message).toMatch(msg);
    }
    expect(f.stats().validationFailures).toBe(cases.length);
  });

  it('answers ConverseStream as an event stream', async () => {
    const f = await fake({ behaviour: { text: 'one two', toolUse: { name: 'f', input: { a: 1 } } } });
    const body = { ...BODY, toolConfig: { tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } }] } };
    const res = await signedPost(f, `${MODEL_PATH}/converse-stream`, JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const msgs = messages(new Uint8Array(await res.arrayBuffer()));
    expect(msgs.map((m) => m.headers[':event-type'])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'contentBlockStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    for (const m of msgs) expect(m.headers).toMatchObject({ ':message-type': 'event', ':content-type': 'application/json' });
    expect(JSON.parse(msgs[8]?.body ?? '{}')).toMatchObject({ stopReason: 'tool_use' });
    expect(JSON.parse(msgs[9]?.body ?? '{}').usage).toMatchObject({ outputTokens: expect.any(Number) });
  });

  it('sends exceptions inside the stream and as HTTP errors', async () => {
    const f = await fake({ behaviour: { failMidStream: 'throttlingException', failAfterEvents: 1 } });
    const res = await signedPost(f, `${MODEL_PATH}/converse-stream`, JSON.stringify(BODY));
    const msgs = messages(new Uint8Array(await res.arrayBuffer()));
    expect(msgs).toHaveLength(2);
    expect(msgs[1]?.headers).toMatchObject({ ':message-type': 'exception', ':exception-type': 'throttlingException' });
    f.setBehaviour({ failMidStream: undefined, fail: 'ThrottlingException', retryAfterSeconds: 3 });
    const http = await signedPost(f, `${MODEL_PATH}/converse`, JSON.stringify(BODY));
    expect([http.status, http.headers.get('x-amzn-errortype'), http.headers.get('retry-after')]).toEqual([429, 'ThrottlingException', '3']);
    f.setBehaviour({ fail: 'ValidationException', retryAfterSeconds: undefined });
    const long = await signedPost(f, `${MODEL_PATH}/converse`, JSON.stringify(BODY));
    expect(await long.json()).toEqual({ message: 'Input is too long for requested model.' });
    expect(() => f.setBehaviour({ fail: 'Nope' as never })).toThrow();
  });
});

describe('Bedrock fake: STS', () => {
  it('answers AssumeRole with XML credentials the fake then accepts', async () => {
    const f = await fake();
    const form = 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s1';
    const res = await signedPost(f, '/', form, { service: 'sts' }, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    const key = /<AccessKeyId>(.+)<\/AccessKeyId>/.exec(xml)?.[1] ?? '';
    const secret = /<SecretAccessKey>(.+)<\/SecretAccessKey>/.exec(xml)?.[1] ?? '';
    const token = /<SessionToken>(.+)<\/SessionToken>/.exec(xml)?.[1] ?? '';
    expect(key).toMatch(/^ASIA/);
    const ok = await signedPost(f, `${MODEL_PATH}/converse`, JSON.stringify(BODY), { accessKeyId: key, secret, sessionToken: token });
    expect(ok.status).toBe(200);
    const bad = await signedPost(f, '/', form, { service: 'sts', secret: 'wrong' }, 'application/x-www-form-urlencoded');
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('parseConverseBody', () => {
  it('checks tool results answer the previous tool uses', () => {
    const tools = { tools: [{ toolSpec: { name: 'f', inputSchema: { json: {} } } }] };
    const conv = (id: string) => ({
      messages: [
        { role: 'user', content: [{ text: 'q' }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'f', input: {} } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: id, content: [{ text: 'r' }] } }] },
      ],
      toolConfig: tools,
    });
    expect(parseConverseBody(conv('t1')).ok).toBe(true);
    const r = parseConverseBody(conv('t2'));
    expect(r.ok ? '' : r.message).toMatch(/unexpected tool_use_id/);
  });
});
