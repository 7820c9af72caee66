import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, Response } from 'express';

/** One step of a request: an express middleware, or a route's (async) handler. */
export type HotStep = (req: Request, res: Response, next: (err?: unknown) => void) => unknown;

/** A request's path: its URL without the query string. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * The HTTP server's request listener: the request path's POSTs (`routes`: exact path → steps)
 * run their steps in order — the same middleware and handler express would run for them, on
 * express's request and response objects — without express's router, which walked every
 * layer before them; an error goes to `onError`, as express would send it to the error handler.
 * Every other request (another method or path, a path with different case or a trailing slash,
 * the Azure paths with their parameter) goes to the app, which serves the same routes too.
 */
export function hotPathListener(
  app: Express,
  routes: ReadonlyMap<string, readonly HotStep[]>,
  onError: ErrorRequestHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const steps = req.method === 'POST' ? routes.get(pathOf(req.url)) : undefined;
    if (!steps) {
      app(req, res);
      return;
    }
    // What express's app.handle and router do before the first layer: circular references,
    // express's prototypes, locals, and the URL fields.
    const r = req as Request;
    const s = res as Response;
    r.res = s;
    s.req = r;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    s.locals = Object.create(null) as Response['locals'];
    r.originalUrl = req.url ?? '';
    r.baseUrl = '';
    r.params = {};
    const fail = (err: unknown): void => {
      onError(err, r, s, () => undefined);
    };
    let i = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        fail(err);
        return;
      }
      const step = steps[i++];
      if (!step) return;
      try {
        const out = step(r, s, next);
        if (out instanceof Promise) out.then(undefined, (e: unknown) => fail(e ?? new Error('Rejected promise')));
      } catch (e) {
        fail(e);
      }
    };
    next();
  };
}
