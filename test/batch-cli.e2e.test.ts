/**
 * `switchyard batch` end to end (not a TTY: plain progress lines), against a standalone
 * Switchyard: results in OpenAI's output format, exit codes, resume after an interrupted run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockLlm, type MockLlmServer } from '@switchyard/mock-llm';
import { chatLine, jsonl } from './helpers/batches.js';
import { writeConfig } from './helpers/config.js';
import { CLI, startRole, type RoleProcess } from './helpers/processes.js';
import { freshRedis } from './helpers/redis.js';

const KEY = 'sk-cli-master';
let mock: MockLlmServer;
let slow: MockLlmServer;
let sy: RoleProcess;
let dir: string;

beforeAll(async () => {
  const { url } = await freshRedis();
  mock = await startMockLlm({ name: 'cli', behaviour: { latencyMs: 20, echo: true, rejectMarker: 'BAD' } });
  slow = await startMockLlm({ name: 'cli-slow', behaviour: { latencyMs: 150 } });
  const config = writeConfig(`
model_list:
  - model_name: m
    litellm_params: { model: openai/m, api_base: "${mock.url}/v1", max_parallel_requests: 2 }
  - model_name: slow
    litellm_params: { model: openai/slow, api_base: "${slow.url}/v1", max_parallel_requests: 2 }
general_settings:
  master_key: ${KEY}
`);
  sy = await startRole({ role: 'start', config, redisUrl: url, env: { SWITCHYARD_BATCH_WINDOW: '8' } });
  dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
});

afterAll(async () => {
  await sy?.stop();
  await mock?.close();
  await slow?.close();
});

interface CliRun {
  code: number | null;
  output: string;
}

/** Runs `switchyard batch ...`; `interruptWhen` sends SIGINT once the output matches it. */
function runCli(args: string[], interruptWhen?: RegExp): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'batch', ...args, '--url', sy.url as string, '--key', KEY, '--poll', '0.2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let sent = false;
    const onData = (b: Buffer): void => {
      output += b.toString();
      if (interruptWhen && !sent && interruptWhen.test(output)) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const lines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('switchyard batch', () => {
  it('runs a file, writes OpenAI output lines, prints plain progress, exits 0', async () => {
    const input = join(dir, 'a.jsonl');
    const out = join(dir, 'a.out.jsonl');
    const errors = join(dir, 'a.err.jsonl');
    writeFileSync(input, jsonl(Array.from({ length: 30 }, (_x, i) => chatLine(`a-${i}`, 'm', i === 5 ? 'BAD line' : `cli ${i}`))));
    const r = await runCli([input, '--out', out, '--errors', errors]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/batch (in_progress|completed): \d+\/30 done/);
    expect(r.output).toMatch(/completed: 29 succeeded, 1 failed, of 30/);
    const results = lines(out);
    expect(results).toHaveLength(29);
    expect(new Set(results.map((l) => l.custom_id)).size).toBe(29);
    for (const l of results) expect(l.response).toMatchObject({ status_code: 200 });
    expect(lines(errors).map((l) => l.custom_id)).toEqual(['a-5']);
    // a rerun runs only what is not in --out: the failed line, once more
    mock.resetStats();
    const again = await runCli([input, '--out', out, '--errors', errors]);
    expect(again.code).toBe(0); // every line got a result (a-5 its error again)
    expect(again.output).toMatch(/resuming: 29 lines already/);
    expect(mock.stats().requests).toBe(1);
    expect(lines(errors).map((l) => l.custom_id)).toEqual(['a-5']);
  });

  it('resumes after an interrupted run: only the missing lines run, each line once', async () => {
    const input = join(dir, 'b.jsonl');
    const out = join(dir, 'b.out.jsonl');
    writeFileSync(input, jsonl(Array.from({ length: 60 }, (_x, i) => chatLine(`b-${i}`, 'slow', `resume ${i}`))));
    const first = await runCli([input, '--out', out], /batch in_progress: ([1-9]\d*)\/60 done/);
    expect(first.code).not.toBe(0);
    expect(first.output).toMatch(/interrupted/);
    const partial = lines(out); // consistent: every line parses
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(60);
    // a line cut short by a crash is dropped on resume
    writeFileSync(out, `${readFileSync(out, 'utf8')}{"custom_id": "b-`, { flag: 'w' });
    slow.resetStats();
    const second = await runCli([input, '--out', out]);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(new RegExp(`resuming: ${partial.length} lines already`));
    expect(slow.stats().requests).toBe(60 - partial.length);
    const all = lines(out);
    expect(all).toHaveLength(60);
    expect(new Set(all.map((l) => l.custom_id))).toEqual(new Set(Array.from({ length: 60 }, (_x, i) => `b-${i}`)));
  });

  it('reports an invalid input with its line numbers and exits non-zero', async () => {
    const input = join(dir, 'c.jsonl');
    writeFileSync(input, jsonl([chatLine('c-1', 'm', 'x'), 'not json']));
    const r = await runCli([input, '--out', join(dir, 'c.out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/failed/);
    expect(r.output).toMatch(/line 2: invalid_json_line/);
  });
});
