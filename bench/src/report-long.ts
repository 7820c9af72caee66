/** Tables of section 6 (long calls). */
import type { BenchOptions } from './options.js';
import type { LongCallResult, LongCallsSection } from './results.js';
import type { Table } from './table.js';

const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(0));
const mib = (kib: number): string => (kib / 1024).toFixed(1);

function row(s: LongCallResult, t: LongCallsSection): string[] {
  const l = s.load;
  if (!l) return [s.id, s.label, String(t.clients), 'FAILED', '—', '—', '—', '—', '—'];
  const d = t.direct.load;
  const vs = d && s !== t.direct && d.rps > 0 ? `${((100 * l.rps) / d.rps).toFixed(1)} %` : '';
  return [s.id, s.label, String(t.clients), l.rps.toFixed(1), vs, ms(l.p50Ms), ms(l.p99Ms), `${l.errors} (+${l.errorsOutside})`, l.avgOpen.toFixed(0)];
}

/** The rate table and the memory table of section 6. */
export function longCallsTables(t: LongCallsSection, o: BenchOptions): Table[] {
  const all = [t.direct, t.separate, t.portkey];
  const memRows: string[][] = [];
  for (const s of all) {
    const open = s.load?.avgOpen ?? 0;
    for (const m of s.memory ?? []) {
      const grown = m.peakKiB - m.idleKiB;
      memRows.push([`${s.id} ${s.label}`, m.label, mib(m.idleKiB), mib(m.peakKiB), mib(grown), open > 0 ? (grown / open).toFixed(1) : '—']);
    }
  }
  return [
    {
      title: `6. Long calls: ${t.clients} concurrent clients, upstream ${t.upstreamLatencyMs} ms (measured window ${t.windowMs / 1000} s)`,
      headers: ['#', 'Scenario', 'clients', 'req/s', 'vs direct', 'p50 ms', 'p99 ms', 'errors (outside window)', 'calls open'],
      align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows: all.map((s) => row(s, t)),
      notes: [
        `Clients start evenly over one upstream latency, then warm up for another (${t.warmupMs / 1000} s in all); req/s counts the answers that arrived inside the window. Ideal rate: clients / latency = ${(t.clients / (t.upstreamLatencyMs / 1000 || 1)).toFixed(0)} req/s.`,
        `calls open: calls in flight in the load generator, averaged over 200 ms samples in the window. ulimit -n: ${t.openFilesLimit ?? 'unknown'} (BENCH_LONG_CLIENTS=${o.longClients} needs about ${o.longClients + 512}).`,
        ...all.filter((s) => s.error).map((s) => `${s.id} ${s.label} did not run: ${s.error}`),
        ...all.filter((s) => s.load?.errorSamples.length).map((s) => `${s.id} error samples: ${s.load?.errorSamples.join(' | ')}`),
      ],
    },
    {
      title: '6. Memory per process (VmRSS from /proc/<pid>/status, sampled every 200 ms)',
      headers: ['Scenario', 'process', 'idle MiB', 'peak MiB', 'peak − idle MiB', 'KiB per open call'],
      align: ['l', 'l', 'r', 'r', 'r', 'r'],
      rows: memRows,
      notes: [
        'idle: just before the load started (the mock, redis and the load generator serve every scenario, so their idle reading includes what earlier scenarios left); KiB per open call = (peak − idle) / calls open.',
      ],
    },
  ];
}
