/**
 * The shared shape of sections 1–3: on one fresh redis-server and one mock process, measure
 * direct-to-mock, Switchyard standalone, Switchyard as separate processes and the Portkey
 * gateway with the same load.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUE_PREFIX, queueNames, routingKeys } from '@switchyard/core';
import type { CpuTarget } from '../cpu.js';
import { log } from '../log.js';
import { medianRound } from '../rounds.js';
import { startTrackedRedis } from '../processes.js';
import type { HttpScenarioResult } from '../results.js';
import { startPortkey, type PortkeyGateway } from '../portkey/gateway.js';
import { failed, measureHttp } from './http.js';
import { flushAll, startMockProcess, startSeparate, startStandalone, writeBenchConfig, type SwitchyardStack } from './stack.js';

/** Parameters of {@link runTrio}. */
export interface TrioPlan {
  /** Section number, prefix of the scenario ids (`1` → `1a`, `1b`, `1c`). */
  section: number;
  repoRoot: string;
  /** Scratch directory of this section (redis data, config file). */
  dir: string;
  upstreamLatencyMs: number;
  clients: number;
  requests: number;
  warmup: number;
  maxDurationMs: number;
  /** Interleaved rounds; each measures every scenario with `requests / rounds` requests (see `rounds.ts`). */
  rounds: number;
}

/** The four measurements of one section. */
export interface TrioResult {
  direct: HttpScenarioResult;
  standalone: HttpScenarioResult;
  separate: HttpScenarioResult;
  /** Through the Portkey gateway (an `error` says why when it could not start). */
  portkey: HttpScenarioResult;
}

/**
 * Runs direct, standalone, separate and Portkey, interleaved in `rounds` rounds (each row: its
 * median round); always stops what it started.
 */
export async function runTrio(p: TrioPlan): Promise<TrioResult> {
  mkdirSync(p.dir, { recursive: true });
  const labels = {
    direct: `${p.section}a`,
    standalone: `${p.section}b`,
    separate: `${p.section}c`,
    portkey: `${p.section}d`,
  };
  const redis = await startTrackedRedis(join(p.dir, 'redis'));
  try {
    const mock = await startMockProcess(p.repoRoot, p.upstreamLatencyMs);
    try {
      const common = {
        clients: p.clients,
        requests: Math.max(1, Math.ceil(p.requests / p.rounds)),
        warmup: p.warmup,
        maxDurationMs: p.maxDurationMs,
      };
      const base: CpuTarget[] = [
        { label: 'redis-server', pid: redis.pid },
        { label: 'mock upstream', pid: mock.service.pid },
      ];
      const direct = (): Promise<HttpScenarioResult> =>
        measureHttp({
          ...common,
          id: labels.direct,
          label: 'direct → mock',
          origin: mock.url,
          model: 'bench-model',
          cpuTargets: base,
        });
      const config = writeBenchConfig(p.dir, mock.url);

      const viaStack = async (id: string, label: string, start: () => Promise<SwitchyardStack>): Promise<HttpScenarioResult> => {
        let stack: SwitchyardStack | undefined;
        try {
          await flushAll(redis.url);
          stack = await start();
          return await measureHttp({
            ...common,
            id,
            label,
            origin: stack.url,
            model: 'bench',
            cpuTargets: [...stack.cpuTargets, ...base],
            queues: {
              redisUrl: redis.url,
              watch: [
                { label: 'ingress', key: `${QUEUE_PREFIX}:${queueNames.ingress('bench')}` },
                { label: 'deployment', key: routingKeys.dispatch('bench', 'bench-1'), leases: routingKeys.leases('bench', 'bench-1') },
              ],
            },
          });
        } catch (err) {
          return failed(id, label, err);
        } finally {
          await stack?.stop();
        }
      };
      const rounds: Record<keyof TrioResult, HttpScenarioResult[]> = { direct: [], standalone: [], separate: [], portkey: [] };
      for (let round = 1; round <= p.rounds; round++) {
        if (p.rounds > 1) log(`  section ${p.section}: round ${round} of ${p.rounds}`);
        rounds.direct.push(await direct());
        rounds.standalone.push(await viaStack(labels.standalone, 'Switchyard standalone (start)', () => startStandalone(p.repoRoot, redis.url, config)));
        rounds.separate.push(await viaStack(labels.separate, 'Switchyard api + scheduler + worker', () => startSeparate(p.repoRoot, redis.url, config)));
        rounds.portkey.push(await viaPortkey(labels.portkey, mock.url, common, base));
      }
      return {
        direct: medianRound(rounds.direct),
        standalone: medianRound(rounds.standalone),
        separate: medianRound(rounds.separate),
        portkey: medianRound(rounds.portkey),
      };
    } finally {
      await mock.service.stop();
    }
  } finally {
    await redis.stop();
    log(`  section ${p.section}: processes stopped`);
  }
}

/** Measures the same load through a Portkey gateway started for it; never throws. */
async function viaPortkey(
  id: string,
  mockUrl: string,
  common: { clients: number; requests: number; warmup: number; maxDurationMs: number },
  base: CpuTarget[],
): Promise<HttpScenarioResult> {
  const label = 'Portkey gateway';
  let gw: PortkeyGateway | undefined;
  try {
    gw = await startPortkey(mockUrl);
    return await measureHttp({
      ...common,
      id,
      label,
      origin: gw.url,
      model: 'bench-model',
      headers: gw.headers,
      cpuTargets: [{ label: 'portkey', pid: gw.service.pid }, ...base],
    });
  } catch (err) {
    return failed(id, label, err);
  } finally {
    await gw?.service.stop();
  }
}
