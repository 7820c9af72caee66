/**
 * `pnpm bench`: runs the seven benchmark sections, prints the tables and writes RESULTS.md.
 * Every child process and redis-server is stopped at the end, on failure and on SIGINT/SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abortAllLoad } from './load.js';
import { log } from './log.js';
import { machineInfo } from './machine.js';
import { readOptions } from './options.js';
import { killAllSync, stopAll } from './processes.js';
import { renderReportMarkdown, renderReportText, writeResultsFile } from './report.js';
import type { BenchReport } from './results.js';
import { runBullmqSection } from './scenarios/bullmq.js';
import { runLongCallsSection } from './scenarios/long-calls.js';
import { runStreamsSection } from './scenarios/streams.js';
import { runRoutingSection } from './scenarios/routing.js';
import { runSequentialSection } from './scenarios/sequential.js';
import { runThroughputSection } from './scenarios/throughput.js';

const workDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));

function removeWorkDir(): void {
  rmSync(workDir, { recursive: true, force: true });
}

let interrupted = false;
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) {
    killAllSync();
    process.exit(130);
  }
  interrupted = true;
  log(`${signal}: stopping the load and every child process…`);
  abortAllLoad();
  stopAll()
    .catch(() => killAllSync())
    .finally(() => {
      removeWorkDir();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', killAllSync);

async function main(): Promise<void> {
  const o = readOptions();
  const machine = machineInfo(o.repoRoot);
  const report: BenchReport = { startedAt: new Date(), durationMs: 0 };
  const t0 = performance.now();
  log(`work dir ${workDir}; sections ${[...o.sections].join(',')}`);
  if (o.sections.has(1)) report.throughputFast = await runThroughputSection(o, 1, 0, workDir);
  if (o.sections.has(2)) report.throughputSlow = await runThroughputSection(o, 2, o.slowLatencyMs, workDir);
  if (o.sections.has(3)) report.sequential = await runSequentialSection(o, workDir);
  if (o.sections.has(4)) report.bullmq = await runBullmqSection(o, workDir);
  if (o.sections.has(5)) report.routing = await runRoutingSection(o, workDir);
  if (o.sections.has(6)) report.longCalls = await runLongCallsSection(o, workDir);
  if (o.sections.has(7)) report.streams = await runStreamsSection(o, workDir);
  report.durationMs = performance.now() - t0;

  process.stdout.write(`\n${renderReportText(report, machine, o)}`);
  if (o.resultsFile) {
    writeResultsFile(o.resultsFile, renderReportMarkdown(report, machine, o));
    log(`results written to ${o.resultsFile}`);
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (interrupted) return;
    await stopAll();
    removeWorkDir();
  });
