import { networkInterfaces } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@switchyard/config';
import { createLogger, readEnv } from '@switchyard/core';
import { freshRedis } from '../../../test/helpers/redis.js';
import { chooseBindHost } from './bind-host.js';
import { startApi, type ApiHandle } from './server.js';

const modelList = 'model_list:\n  - model_name: m\n    litellm_params: { model: openai/m, api_base: "http://127.0.0.1:9/v1" }\n';
const open = parseConfig(modelList);
const keyed = parseConfig(`${modelList}general_settings:\n  master_key: sk-bind-test\n`);

let redisUrl: string;
beforeAll(async () => {
  const r = await freshRedis();
  r.redis.disconnect();
  redisUrl = r.url;
});

/** Starts the API in this process; returns it and its log lines. */
async function start(config: typeof open, host?: string): Promise<{ api: ApiHandle; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const api = await startApi({ config, redisUrl, logger: createLogger({ name: 'api', destination }), port: 0, ...(host ? { host } : {}) });
  started.push(api);
  return { api, lines };
}
const started: ApiHandle[] = [];
afterAll(async () => {
  for (const a of started) await a.close();
});

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

describe('chooseBindHost', () => {
  it('without a master key and without HOST: 127.0.0.1, with a warning that says so', () => {
    const d = chooseBindHost(undefined, false);
    expect(d.host).toBe('127.0.0.1');
    expect(d.warning).toMatch(/No master key.*127\.0\.0\.1 only.*HOST/);
  });
  it('with a master key: all interfaces, no warning', () => {
    expect(chooseBindHost(undefined, true)).toEqual({ host: '0.0.0.0' });
  });
  it('an explicit host always wins; open to the network without a key, it warns', () => {
    expect(chooseBindHost('0.0.0.0', true)).toEqual({ host: '0.0.0.0' });
    expect(chooseBindHost('127.0.0.1', false)).toEqual({ host: '127.0.0.1' });
    const d = chooseBindHost('0.0.0.0', false);
    expect(d.host).toBe('0.0.0.0');
    expect(d.warning).toMatch(/No master key.*0\.0\.0\.0.*anyone/);
  });
  it('HOST has no default in the environment schema (the API decides)', () => {
    expect(readEnv({}).HOST).toBeUndefined();
    expect(readEnv({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });
});

describe('startApi binding', () => {
  it('without a master key nor a host, listens on 127.0.0.1 only and warns at start', async () => {
    const { api, lines } = await start(open);
    expect(api.host).toBe('127.0.0.1');
    const warning = lines.find((l) => l.level === 40);
    expect(warning?.msg).toMatch(/No master key.*listens on 127\.0\.0\.1 only/);
    expect((await fetch(`http://127.0.0.1:${api.port}/health/liveliness`)).status).toBe(200);
    const external = externalAddress();
    if (external) {
      // not reachable through another interface
      await expect(fetch(`http://${external}:${api.port}/health/liveliness`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  });

  it('with a master key, listens on all interfaces without a warning', async () => {
    const { api, lines } = await start(keyed);
    expect(api.host).toBe('0.0.0.0');
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });

  it('an explicit host without a master key is used, with a warning', async () => {
    const { api, lines } = await start(open, '0.0.0.0');
    expect(api.host).toBe('0.0.0.0');
    expect(lines.find((l) => l.level === 40)?.msg).toMatch(/anyone who can reach it/);
  });
});
