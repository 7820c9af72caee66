import express, { Router, type RequestHandler } from 'express';
import { Queue } from 'bullmq';
import type { SwitchyardConfig } from '@switchyard/config';
import { QUEUE_PREFIX, queueNames, type Redis } from '@switchyard/core';
import type { QueueSet } from '@switchyard/routing';
import { CLIENT_JS } from './client-script.js';
import { dashboardPage, loginPage, PAGE_HEADERS } from './pages.js';
import { UiAuth } from './ui-auth.js';
import { readUiState } from './ui-state.js';

/** Where bull-board is mounted. */
export const BULL_BOARD_PATH = '/admin/queues';

/** The dashboard's routes and bull-board, and what to close on shutdown. */
export interface UiRoutes {
  router: Router;
  close(): Promise<void>;
}

/**
 * `GET /ui` (the live dashboard), `GET /ui/app.js`, `GET /ui/state` (its JSON, polled every
 * second), `POST /ui/login` (the master key once → an HttpOnly session cookie) and bull-board at
 * {@link BULL_BOARD_PATH} (read-only: a retry from there would bypass the job state machine;
 * loaded on its first request, so an API nobody opens it on does not hold it).
 * With a master key, all of them need it: as a bearer token, or the session cookie. Mounted
 * before the API's JSON-only guards (the login form is url-encoded). `queueRedis` is the
 * process's BullMQ connection (see {@link QueueSet}).
 */
export function uiRoutes(redis: Redis, queueRedis: Redis, config: SwitchyardConfig): UiRoutes {
  const auth = new UiAuth(config.general.masterKey);
  const router = Router();
  router.post('/ui/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const key = typeof (req.body as { key?: unknown } | undefined)?.key === 'string' ? (req.body as { key: string }).key : '';
    if (!auth.required || auth.isKey(key)) {
      res.set('set-cookie', auth.cookie()).redirect(303, '/ui');
      return;
    }
    res.status(401).set(PAGE_HEADERS).type('html').send(loginPage(true));
  });
  const guard = auth.guard();
  router.get('/ui', guard, (_req, res) => {
    res.set(PAGE_HEADERS).type('html').send(dashboardPage());
  });
  router.get('/ui/app.js', guard, (_req, res) => {
    res.set(PAGE_HEADERS).type('application/javascript').send(CLIENT_JS);
  });
  router.get('/ui/state', guard, async (_req, res) => {
    res.set('cache-control', 'no-store').json(await readUiState(redis, config));
  });

  let queues: Queue[] = [];
  let board: Promise<RequestHandler> | undefined;
  const loadBoard = async (): Promise<RequestHandler> => {
    const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
      import('@bull-board/api'),
      import('@bull-board/api/bullMQAdapter'),
      import('@bull-board/express'),
    ]);
    // The model groups' ingress queues (BullMQ); a deployment's dispatch list is not a BullMQ queue.
    queues = [...config.groups.keys()].map((g) => new Queue(queueNames.ingress(g), { connection: queueRedis, prefix: QUEUE_PREFIX }));
    const adapter = new ExpressAdapter();
    adapter.setBasePath(BULL_BOARD_PATH);
    createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter: adapter });
    return adapter.getRouter() as RequestHandler;
  };
  router.use(BULL_BOARD_PATH, guard, async (req, res, next) => {
    board ??= loadBoard().catch((err: unknown) => {
      board = undefined; // a failed load is retried by the next request
      throw err;
    });
    (await board)(req, res, next);
  });
  return {
    router,
    close: async () => {
      await board?.catch(() => undefined);
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    },
  };
}
