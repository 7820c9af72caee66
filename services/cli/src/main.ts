#!/usr/bin/env node
import { join } from 'node:path';
import { ConfigError, formatWarnings, loadConfigFile, parseConfig, type SwitchyardConfig } from '@switchyard/config';
import { createLogger, readEnv, startLocalRedis, type Logger } from '@switchyard/core';
import { parseCli, USAGE, UsageError, type Flags } from './args.js';
import { BATCH_USAGE, parseBatchArgs } from './batch/batch-args.js';
import { describePlan } from './check.js';
import { demoConfigYaml } from './demo-config.js';
import { closeOnSignal, startRoles, type Closable, type Role } from './roles.js';
import { startTracing } from './tracing.js';
import { setHeapGrowth } from './heap-growth.js';
import { startWorkerThread } from './worker-thread-host.js';
import type { WorkerThreadData } from './worker-thread-protocol.js';

function load(flags: Flags, logger: Logger): SwitchyardConfig {
  if (!flags.config) throw new UsageError('--config FILE is required for this command.');
  const config = loadConfigFile(flags.config);
  if (config.warnings.length) logger.warn(`config warnings:\n${formatWarnings(config.warnings)}`);
  return config;
}

/** What this process started; closed on a signal, and on a failed start. */
const closables: Closable[] = [];

async function run(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'batch') {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(`${BATCH_USAGE}\n`);
      return;
    }
    const { runBatch } = await import('./batch/run-batch.js');
    process.exitCode = await runBatch(parseBatchArgs(argv.slice(1)));
    return;
  }
  const { command, flags } = parseCli(argv);
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'check') {
    if (!flags.config) throw new UsageError('--config FILE is required for check.');
    process.stdout.write(`${describePlan(loadConfigFile(flags.config))}\n`);
    return;
  }
  const env = readEnv();
  setHeapGrowth(env.SWITCHYARD_HEAP_GROWTH_PERCENT);
  const logger = createLogger({ name: 'switchyard', level: env.LOG_LEVEL });
  closeOnSignal(closables, logger);
  // First in, last out: spans of the shutdown itself are still flushed.
  const tracing = await startTracing(command, logger);
  if (tracing) closables.push(tracing);
  if (command !== 'start') {
    const config = load(flags, logger);
    if (!env.REDIS_URL) throw new UsageError(`REDIS_URL is required for "${command}" (roles in separate processes share one Redis).`);
    closables.push(...(await startRoles([command as Role], config, env.REDIS_URL, env, flags, logger)));
    return;
  }
  let redisUrl = env.REDIS_URL;
  if (!redisUrl) {
    const redis = await startLocalRedis({ dir: join(process.cwd(), '.switchyard', 'redis') });
    closables.push({ close: () => redis.stop() });
    redisUrl = redis.url;
    logger.info({ url: redis.url }, 'started local redis-server (AOF on, data in .switchyard/redis)');
  }
  let config: SwitchyardConfig;
  let source: WorkerThreadData['config'];
  if (flags.config) {
    config = load(flags, logger);
    source = { kind: 'file', path: flags.config };
  } else {
    const { startMockLlm } = await import('@switchyard/mock-llm');
    const primary = await startMockLlm({ name: 'mock-primary' });
    const backup = await startMockLlm({ name: 'mock-backup' });
    closables.push(primary, backup);
    const yaml = demoConfigYaml(primary.url, backup.url);
    config = parseConfig(yaml, { source: 'demo config' });
    source = { kind: 'yaml', yaml, source: 'demo config' };
    logger.info({ primary: primary.url, backup: backup.url }, 'no --config: serving the demo config (model "gpt-4o-mini") on built-in mock upstreams');
  }
  if (env.SWITCHYARD_WORKER_THREAD) {
    closables.push(await startWorkerThread({ config: source, redisUrl }, logger));
    closables.push(...(await startRoles(['scheduler', 'api'], config, redisUrl, env, flags, logger)));
  } else {
    closables.push(...(await startRoles(['worker', 'scheduler', 'api'], config, redisUrl, env, flags, logger)));
  }
}

run(process.argv.slice(2)).catch(async (err: unknown) => {
  for (const c of [...closables].reverse()) await c.close().catch(() => undefined);
  if (err instanceof UsageError) process.stderr.write(`switchyard: ${err.message}\n\n${process.argv[2] === 'batch' ? BATCH_USAGE : USAGE}\n`);
  else if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`switchyard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
