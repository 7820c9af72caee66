/**
 * Section 5: routing decision cost. (a) `reserve` latency against groups of 2, 10 and 50
 * deployments per strategy; (b) dispatch throughput of 1 and 2 scheduler processes draining a
 * pre-filled ingress queue, without and with a worker. One fresh redis-server for the section.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RoutingStrategy } from '@switchyard/config';
import { log } from '../log.js';
import type { BenchOptions } from '../options.js';
import { startTrackedRedis } from '../processes.js';
import type { DispatchResult, ReservationResult, RoutingSection } from '../results.js';
import { measureDispatch, writeDispatchConfig } from './dispatch.js';
import { measureReservation, type ReservationPlan } from './reservation.js';
import { startMockProcess } from './stack.js';

/** Group size × strategy × window state of the reservation runs, in print order. */
const RESERVATION_RUNS: readonly Pick<ReservationPlan, 'deployments' | 'strategy' | 'windows'>[] = [
  ...[2, 10, 50].flatMap((deployments) => {
    const strategies: RoutingStrategy[] = ['simple-shuffle', 'least-busy', ...(deployments === 50 ? (['usage-based-routing'] as const) : [])];
    return strategies.map((strategy) => ({ deployments, strategy, windows: 'fresh' as const }));
  }),
  { deployments: 10, strategy: 'simple-shuffle', windows: 'full' },
  { deployments: 50, strategy: 'simple-shuffle', windows: 'full' },
];

/** Scheduler process counts of the dispatch runs. */
const SCHEDULER_COUNTS = [1, 2] as const;

/** Runs section 5; always stops what it started. */
export async function runRoutingSection(o: BenchOptions, workDir: string): Promise<RoutingSection> {
  log(`section 5: routing decision cost; ${o.routingCalls} reserve calls per run, ${o.dispatchJobs} jobs per dispatch run`);
  const dir = join(workDir, 'section-5');
  mkdirSync(dir, { recursive: true });
  const redis = await startTrackedRedis(join(dir, 'redis'));
  try {
    const reservations: ReservationResult[] = [];
    for (const run of RESERVATION_RUNS) {
      reservations.push(await measureReservation({ ...run, redisUrl: redis.url, calls: o.routingCalls, maxDurationMs: o.maxDurationMs }));
    }
    const dispatch: DispatchResult[] = [];
    const mock = await startMockProcess(o.repoRoot, 0);
    try {
      const configPath = writeDispatchConfig(dir, mock.url);
      for (const mode of ['scheduler only', 'end to end'] as const) {
        for (const schedulers of SCHEDULER_COUNTS) {
          dispatch.push(
            await measureDispatch({
              repoRoot: o.repoRoot,
              redisUrl: redis.url,
              redisPid: redis.pid,
              configPath,
              mode,
              schedulers,
              jobs: o.dispatchJobs,
              maxDurationMs: o.maxDurationMs,
            }),
          );
        }
      }
    } finally {
      await mock.service.stop();
    }
    return { reservations, dispatch };
  } finally {
    await redis.stop();
    log('  section 5: processes stopped');
  }
}
