/**
 * `node --import <this file>` for the Portkey gateway process: registers `hooks.ts` with the
 * shim URL and the `SWITCHYARD_BENCH_PORTKEY_GLOBALS` choice (`0` = hono global override off).
 */
import { register } from 'node:module';
import type { HookData } from './hooks.js';

const data: HookData = {
  shimUrl: new URL('./serve-shim.js', import.meta.url).href,
  overrideGlobals: process.env.SWITCHYARD_BENCH_PORTKEY_GLOBALS !== '0',
};
register('./hooks.js', import.meta.url, { data });
