import cliProgress from 'cli-progress';

/** Counts shown by a progress display. */
export interface ProgressCounts {
  status: string;
  total: number;
  completed: number;
  failed: number;
}

/** Shows batch progress: a bar on a terminal, else a plain line at most every `plainEveryMs`. */
export interface ProgressDisplay {
  update(c: ProgressCounts): void;
  stop(): void;
}

/** Lines per second since `t0` and the seconds left at that rate ('?' when unknown). */
function rateAndEta(c: ProgressCounts, t0: number): { rate: string; eta: string } {
  const done = c.completed + c.failed;
  const perS = done / Math.max(0.001, (Date.now() - t0) / 1000);
  const eta = perS > 0 && c.total > 0 ? `${Math.ceil((c.total - done) / perS)}s` : '?';
  return { rate: perS.toFixed(1), eta };
}

/**
 * A progress display for `stream` (stderr): `cli-progress` when it is a TTY, plain periodic
 * lines (done/failed/total, rate, ETA) otherwise. Default plain interval 2 000 ms.
 */
export function progressDisplay(stream: NodeJS.WriteStream, plainEveryMs = 2_000): ProgressDisplay {
  const t0 = Date.now();
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: 'batch [{bar}] {done}/{total} done, {failed} failed | {rate} lines/s | ETA {eta} | {status}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(c) {
        const { rate, eta } = rateAndEta(c, t0);
        const payload = { done: c.completed + c.failed, failed: c.failed, rate, eta, status: c.status };
        if (!started) {
          bar.start(Math.max(1, c.total), c.completed + c.failed, payload);
          started = true;
        }
        bar.setTotal(Math.max(1, c.total));
        bar.update(c.completed + c.failed, payload);
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let lastText = '';
  let latest = '';
  return {
    update(c) {
      const { rate, eta } = rateAndEta(c, t0);
      latest = `batch ${c.status}: ${c.completed + c.failed}/${c.total} done, ${c.failed} failed, ${rate} lines/s, ETA ${eta}`;
      if (latest === lastText || Date.now() - last < plainEveryMs) return;
      last = Date.now();
      lastText = latest;
      stream.write(`${latest}\n`);
    },
    // The final state is always shown.
    stop() {
      if (latest !== '' && latest !== lastText) stream.write(`${latest}\n`);
    },
  };
}
