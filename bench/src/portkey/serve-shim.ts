/**
 * Stands in for `@hono/node-server` inside the Portkey gateway process (see `hooks.ts`): the
 * real module's `serve`, always on 127.0.0.1, with `overrideGlobalObjects` from the `globals`
 * query parameter of this module's URL (`0` = off: needed for streamed answers on Node, where
 * Portkey otherwise adds headers to a fetch response's immutable `Headers` and fails with
 * "TypeError: immutable", Portkey-AI/gateway issues 1389 and 1550).
 */
const self = new URL(import.meta.url);
const realUrl = self.searchParams.get('real');
if (!realUrl) throw new Error('serve-shim: no "real" module URL');

/** The part of `@hono/node-server` the gateway uses. */
interface NodeServerModule {
  serve(options: Record<string, unknown>, listener?: (info: unknown) => void): unknown;
}

const real = (await import(realUrl)) as NodeServerModule;
const overrideGlobalObjects = self.searchParams.get('globals') !== '0';

/** `serve` of the real module with `hostname: '127.0.0.1'` and the chosen global override. */
export function serve(options: Record<string, unknown>, listener?: (info: unknown) => void): unknown {
  return real.serve({ ...options, hostname: '127.0.0.1', overrideGlobalObjects }, listener);
}
