/** Tables of section 7 (streams). */
import type { StreamScenarioResult, StreamsSection } from './results.js';
import type { Table } from './table.js';

const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(1));

function row(s: StreamScenarioResult, t: StreamsSection): string[] {
  const l = s.load;
  if (!l) return [s.id, s.label, '—', '—', '—', '—', 'FAILED', '—', '—', '—', '—', '—'];
  const d = t.direct.load;
  const added = (v: number, dv: number | undefined): string => (d && s !== t.direct && dv !== undefined ? ms(v - dv) : '');
  const intact = l.lost === 0 && l.truncated === 0 && l.ok > 0 ? 'yes' : 'NO';
  return [
    s.id,
    s.label,
    String(l.streams),
    String(l.ok),
    String(l.lost),
    String(l.truncated),
    intact,
    Math.round(l.chunksPerSecond).toLocaleString('en-US'),
    ms(l.ttftP50Ms),
    ms(l.ttftP99Ms),
    added(l.ttftP50Ms, d?.ttftP50Ms),
    added(l.ttftP99Ms, d?.ttftP99Ms),
  ];
}

/** The stream table and the CPU-per-chunk table of section 7. */
export function streamsTables(t: StreamsSection): Table[] {
  const all = [t.direct, t.separate, t.portkey];
  const cpuRows: string[][] = [];
  for (const s of all) {
    for (const c of s.cpu ?? []) cpuRows.push([`${s.id} ${s.label}`, c.label, (c.cpuMs / 1000).toFixed(2), c.msPerRequest.toFixed(4), `${c.pctOfCore.toFixed(0)} %`]);
    const total = (s.cpu ?? []).reduce((a, c) => a + c.cpuMs, 0);
    if (s.cpu?.length && s.load?.chunks) cpuRows.push(['', 'total', (total / 1000).toFixed(2), (total / s.load.chunks).toFixed(4), '']);
  }
  return [
    {
      title: `7. Streams: ${t.clients} concurrent, ${t.chunks} content chunks ${t.intervalMs} ms apart, repeated for ${t.durationMs / 1000} s`,
      headers: ['#', 'Scenario', 'streams', 'complete', 'lost', 'truncated', 'all intact', 'chunks/s', 'TTFT p50 ms', 'TTFT p99 ms', 'added p50 ms', 'added p99 ms'],
      align: ['l', 'l', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r', 'r', 'r'],
      rows: all.map((s) => row(s, t)),
      notes: [
        `complete = HTTP 200, exactly ${t.chunks} non-empty content deltas and a final data: [DONE]; lost = no content at all; truncated = some content but fewer/more chunks or no [DONE].`,
        `TTFT: request sent → first non-empty content delta (the mock sends it ${t.intervalMs} ms after its role chunk); added = scenario − direct.`,
        `Clients start spread over one stream's length and streams opened during the warm-up are not counted: the measured phase has a steady number of streams open, arrivals evenly apart (not synchronized waves).`,
        'Portkey runs with hono\'s global Response override off here (needed for its streaming on Node, Portkey-AI/gateway issues 1389/1550); its OpenAI stream transform also waits 25 ms before relaying the first event.',
        ...all.filter((s) => s.error).map((s) => `${s.id} ${s.label} did not run: ${s.error}`),
        ...all.filter((s) => s.load?.errorSamples.length).map((s) => `${s.id} problems: ${s.load?.errorSamples.join(' | ')}`),
      ],
    },
    {
      title: '7. CPU per content chunk (/proc/<pid>/stat utime+stime over the measured phase; load generator via process.cpuUsage())',
      headers: ['Scenario', 'process', 'CPU s', 'CPU-ms/chunk', '% of one core'],
      align: ['l', 'l', 'r', 'r', 'r'],
      rows: cpuRows,
    },
  ];
}
