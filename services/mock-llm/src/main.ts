/**
 * CLI entry: `node services/mock-llm/dist/main.js --port 9100 --latency-ms 50 ...`.
 * Prints `mock-llm <name> listening on <url>` once listening; closes cleanly on SIGTERM/SIGINT.
 * Exit codes: 0 clean shutdown, 1 start failure, 2 bad flags.
 *
 * Runs on load: import `index.ts` (which never imports this file) to use mock-llm as a library.
 */
import { MOCK_LLM_USAGE, MockArgsError, parseMockArgs, type MockCliOptions } from './args.js';
import { startMockLlm } from './server.js';

async function main(): Promise<void> {
  let options: MockCliOptions;
  try {
    options = parseMockArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof MockArgsError) {
      process.stderr.write(`mock-llm: ${err.message}\n\n${MOCK_LLM_USAGE}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  if (options.help) {
    process.stdout.write(MOCK_LLM_USAGE);
    return;
  }

  const server = await startMockLlm({
    port: options.port,
    host: options.host,
    name: options.name,
    behaviour: options.behaviour,
  });
  process.stdout.write(`mock-llm ${server.name} listening on ${server.url}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`mock-llm: error while closing on ${signal}: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock-llm: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
