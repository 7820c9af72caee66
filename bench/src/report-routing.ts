/** Tables of section 5 (routing decision cost). */
import type { CpuRow } from './cpu.js';
import type { BenchOptions } from './options.js';
import type { DispatchResult, RoutingSection } from './results.js';
import type { Table } from './table.js';

const ms3 = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(3));
const us = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(1));
const rate = (v: number): string => Math.round(v).toLocaleString('en-US');

/** Sum of the CPU rows whose label starts with `prefix`, per job; `—` when none. */
function cpuPerJob(rows: readonly CpuRow[] | undefined, prefix: string, jobs: number): string {
  const hits = (rows ?? []).filter((c) => c.label.startsWith(prefix));
  if (!hits.length || jobs <= 0) return '—';
  return (hits.reduce((a, c) => a + c.cpuMs, 0) / jobs).toFixed(3);
}

function dispatchRow(d: DispatchResult): string[] {
  if (d.error) return [d.mode, String(d.schedulers), `0/${d.planned}`, '—', 'FAILED', '—', '—', '—', '—'];
  return [
    d.mode,
    String(d.schedulers),
    `${d.done}/${d.planned}`,
    (d.durationMs / 1000).toFixed(2),
    rate(d.jobsPerSecond),
    d.succeeded === undefined ? '' : String(d.succeeded),
    cpuPerJob(d.cpu, 'scheduler', d.done),
    cpuPerJob(d.cpu, 'worker', d.done),
    cpuPerJob(d.cpu, 'redis-server', d.done),
  ];
}

/** The tables of section 5, in print order. */
export function routingTables(r: RoutingSection, o: BenchOptions): Table[] {
  const refused = r.reservations.filter((x) => x.refused > 0);
  return [
    {
      title: `5a. Routing decision: RoutingState.reserve latency (1 sequential caller, ${o.routingCalls} calls per row, each reserve followed by its release; rpm + tpm set on every deployment)`,
      headers: ['deployments', 'strategy', 'tpm windows', 'calls', 'p50 ms', 'p99 ms', 'mean ms', 'reserves/s', 'server µs/reserve', 'server µs/release', 'evalsha avg µs'],
      align: ['r', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows: r.reservations.map((x) =>
        x.error
          ? [String(x.deployments), x.strategy, x.windows, '—', '—', '—', '—', 'FAILED', '—', '—', '—']
          : [
              String(x.deployments),
              x.strategy,
              x.windows,
              String(x.calls),
              ms3(x.p50Ms),
              ms3(x.p99Ms),
              ms3(x.meanMs),
              rate(x.callsPerSecond),
              us(x.serverReserveUs),
              us(x.serverReleaseUs),
              us(x.evalshaAvgUs),
            ],
      ),
      notes: [
        'p50/p99/mean: client round trip of reserve() (argument building + EVALSHA over loopback); reserves/s = calls / summed reserve round trips.',
        'server µs: cmdstat_evalsha usec delta from INFO commandstats around every 10th reserve and its release; evalsha avg = usec/calls delta over the whole run (reserves and releases).',
        'tpm windows: fresh = Redis flushed before the row (each window holds only the few seconds of the run); full = 60 one-second tpm buckets per deployment written beforehand, as under steady traffic.',
        ...refused.map((x) => `${x.deployments}/${x.strategy}: ${x.refused} reserves found no capacity`),
        ...r.reservations.filter((x) => x.error).map((x) => `${x.deployments}/${x.strategy} failed: ${x.error}`),
      ],
    },
    {
      title: `5b. Dispatch throughput: ${o.dispatchJobs} jobs pre-filled in the ingress queue of a one-deployment group, upstream 0 ms`,
      headers: ['mode', 'scheduler processes', 'jobs', 'seconds', 'jobs/s', 'succeeded', 'scheduler CPU-ms/job', 'worker CPU-ms/job', 'redis CPU-ms/job'],
      align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows: r.dispatch.map(dispatchRow),
      notes: [
        'The ingress queue is paused while it is filled (JobStore.create + QueueSet.enqueueIngress) and the processes start; the clock runs from resume().',
        'scheduler only: no worker; ends when every job waits in the dispatch list of the deployment (polled every 10 ms). end to end: 1 worker process + mock upstream; ends when a jobDone message arrived for every job; succeeded = records with status succeeded afterwards.',
        'Scheduler CPU is summed over the scheduler processes.',
        ...r.dispatch.filter((d) => d.error).map((d) => `${d.mode}, ${d.schedulers} scheduler(s) failed: ${d.error}`),
      ],
    },
  ];
}
