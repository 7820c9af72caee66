/**
 * Module-resolution hook loaded into the Portkey gateway process (registered by `preload.ts`):
 * the gateway's own import of `@hono/node-server` is answered by `serve-shim.ts`, which binds
 * the server to 127.0.0.1 (the gateway's CLI has no host option) and, when asked, turns off
 * hono's global `Response` override. Every other import resolves as usual.
 */
import type { InitializeHook, ResolveHook } from 'node:module';

/** Sent by `preload.ts` through `register(..., { data })`. */
export interface HookData {
  /** `file:` URL of the compiled `serve-shim.js`. */
  shimUrl: string;
  /** Passed on to the shim as `overrideGlobalObjects` (see `serve-shim.ts`). */
  overrideGlobals: boolean;
}

let data: HookData | undefined;

/** Receives {@link HookData}. */
export const initialize: InitializeHook<HookData> = (d) => {
  data = d;
};

/** Redirects `@hono/node-server`, imported from the gateway's build, to the shim. */
export const resolve: ResolveHook = async (specifier, context, next) => {
  if (!data || specifier !== '@hono/node-server' || !context.parentURL?.includes('/@portkey-ai/gateway/')) {
    return next(specifier, context);
  }
  const real = await next(specifier, context);
  const url = new URL(data.shimUrl);
  url.searchParams.set('real', real.url);
  url.searchParams.set('globals', data.overrideGlobals ? '1' : '0');
  return { url: url.href, shortCircuit: true };
};
