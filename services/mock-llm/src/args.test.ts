import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { MockArgsError, parseMockArgs } from './args.js';

describe('parseMockArgs', () => {
  it('has defaults', () => {
    expect(parseMockArgs([])).toEqual({ port: 0, host: '127.0.0.1', name: 'mock-llm', behaviour: {}, help: false });
  });

  it('parses every flag, in both --flag value and --flag=value forms', () => {
    const o = parseMockArgs([
      '--port', '9100',
      '--host=0.0.0.0',
      '--name', 'm1',
      '--latency-ms', '50',
      '--jitter-ms=10',
      '--fail-status', '500',
      '--fail-ratio', '0.2',
      '--retry-after-seconds', '3',
      '--failure-mode', 'drop',
      '--api-key', 'sk-x',
      '--content', 'hi there',
      '--completion-tokens', '7',
      '--echo', 'true',
      '--stream-interval-ms=25',
      '--stream-chunks', '20',
      '--stream-fail-after', '3',
    ]);
    expect(o).toEqual({
      port: 9100,
      host: '0.0.0.0',
      name: 'm1',
      help: false,
      behaviour: {
        latencyMs: 50,
        jitterMs: 10,
        failStatus: 500,
        failRatio: 0.2,
        retryAfterSeconds: 3,
        failureMode: 'drop',
        apiKey: 'sk-x',
        content: 'hi there',
        completionTokens: 7,
        echo: true,
        streamIntervalMs: 25,
        streamChunks: 20,
        streamFailAfter: 3,
      },
    });
    expect(parseMockArgs(['--echo', '0']).behaviour).toEqual({ echo: false });
  });

  it('reads env vars, with flags taking precedence', () => {
    const o = parseMockArgs(['--latency-ms', '5'], {
      MOCK_LLM_PORT: '9200',
      MOCK_LLM_LATENCY_MS: '99',
      MOCK_LLM_FAILURE_MODE: 'timeout',
      UNRELATED: 'x',
    });
    expect(o.port).toBe(9200);
    expect(o.behaviour).toEqual({ latencyMs: 5, failureMode: 'timeout' });
  });

  it('recognises --help', () => {
    expect(parseMockArgs(['--help']).help).toBe(true);
    expect(parseMockArgs(['-h']).help).toBe(true);
  });

  it.each([
    [['--port', 'abc'], /--port: must be a number/],
    [['--port', '70000'], /--port/],
    [['--fail-ratio', '1.5'], /--fail-ratio/],
    [['--fail-status', '200'], /--fail-status/],
    [['--failure-mode', 'explode'], /--failure-mode/],
    [['--latency-ms', '-1'], /--latency-ms/],
    [['--echo', 'yes'], /--echo: must be true or false/],
    [['--stream-chunks', '0'], /--stream-chunks/],
    [['--stream-fail-after', '1.5'], /--stream-fail-after: must be an integer/],
    [['--stream-interval-ms', '-5'], /--stream-interval-ms/],
    [['--bogus', '1'], /unknown option: --bogus/],
    [['--port'], /--port needs a value/],
    [['--port', '--name', 'x'], /--port needs a value/],
    [['stray'], /unexpected argument: stray/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseMockArgs(argv)).toThrow(MockArgsError);
    expect(() => parseMockArgs(argv)).toThrow(message);
  });

  it('names the env var in errors that came from env', () => {
    expect(() => parseMockArgs([], { MOCK_LLM_FAIL_RATIO: 'lots' })).toThrow(/MOCK_LLM_FAIL_RATIO: must be a number/);
  });
});

const builtMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('built CLI (dist/main.js)', () => {
  // `pnpm test` / scripts/test.sh build first; a missing build must fail, not skip silently.
  beforeAll(() => {
    if (!existsSync(builtMain)) throw new Error(`${builtMain} is missing: run \`pnpm build\` (tsc -b) before these tests`);
  });

  it('prints the listening line, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [builtMain, '--name', 'cli1', '--content', 'from cli'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const match = /^mock-llm cli1 listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    expect(match).not.toBeNull();
    const res = await fetch(`${match?.[1]}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(((await res.json()) as { choices: [{ message: { content: string } }] }).choices[0].message.content).toBe('from cli');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 2 with a message on bad flags', async () => {
    const child = spawn(process.execPath, [builtMain, '--fail-ratio', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/--fail-ratio: must be a number/);
  });
});
