/**
 * Portkey's open-source AI gateway (`@portkey-ai/gateway`, bin `build/start-server.js`) as a
 * benchmark child process on 127.0.0.1, forwarding to the mock upstream through its
 * `x-portkey-custom-host` header. Nothing is downloaded: the package must be installed.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort } from '@switchyard/core';
import { spawnService, type Service } from '../processes.js';

/** Options of {@link startPortkey}. */
export interface PortkeyOptions {
  /**
   * hono's global `Response` override (the gateway's default, and faster). Streams need it off
   * on Node (see `serve-shim.ts`). Default true.
   */
  overrideGlobals?: boolean;
}

/** A running gateway. */
export interface PortkeyGateway {
  /** Origin, e.g. `http://127.0.0.1:40125`. */
  url: string;
  service: Service;
  /** Headers that route a request to `mockUrl` as an OpenAI provider. */
  headers: Record<string, string>;
}

/** The gateway's bin; throws a readable error when the package is not installed. */
export function portkeyBin(): string {
  try {
    return createRequire(import.meta.url).resolve('@portkey-ai/gateway/build/start-server.js');
  } catch {
    throw new Error('@portkey-ai/gateway is not installed (pnpm install in the workspace)');
  }
}

/**
 * Starts `node --import preload.js start-server.js --port=N --headless` (NODE_ENV=production)
 * on a free loopback port; rejects with the reason when it cannot start.
 */
export async function startPortkey(mockUrl: string, opts: PortkeyOptions = {}): Promise<PortkeyGateway> {
  const bin = portkeyBin();
  const port = await freePort();
  const preload = fileURLToPath(new URL('./preload.js', import.meta.url));
  const service = await spawnService({
    name: 'portkey',
    command: process.execPath,
    args: ['--import', preload, bin, `--port=${port}`, '--headless'],
    env: { NODE_ENV: 'production', SWITCHYARD_BENCH_PORTKEY_GLOBALS: opts.overrideGlobals === false ? '0' : '1' },
    ready: /Ready for connections/,
  });
  return {
    url: `http://127.0.0.1:${port}`,
    service,
    headers: {
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${mockUrl}/v1`,
      authorization: 'Bearer sk-bench',
    },
  };
}
