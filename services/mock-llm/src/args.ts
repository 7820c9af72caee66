/**
 * Pure command-line / environment parsing for the mock-llm CLI (`main.ts`).
 * Every flag `--foo-bar <v>` (or `--foo-bar=<v>`) may also come from env `MOCK_LLM_FOO_BAR`;
 * flags win over env.
 */
import { z } from 'zod';
import { behaviourPatchSchema, type MockBehaviour } from './behaviour.js';

/** Parsed CLI options. */
export interface MockCliOptions {
  /** Port to listen on. Default 0 (random). */
  port: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host: string;
  /** Instance name. Default `"mock-llm"`. */
  name: string;
  /** Behaviour patch over the defaults (only the fields that were given). */
  behaviour: Partial<MockBehaviour>;
  /** `--help` / `-h` was given. */
  help: boolean;
}

/** Thrown by {@link parseMockArgs} on bad input; `message` is meant for stderr. */
export class MockArgsError extends Error {
  override readonly name = 'MockArgsError';
}

/** Usage text. */
export const MOCK_LLM_USAGE = `Usage: node services/mock-llm/dist/main.js [options]

Options (each also settable via env MOCK_LLM_<NAME>, e.g. MOCK_LLM_LATENCY_MS):
  --port <n>                 port to listen on (default 0 = random)
  --host <addr>              interface to bind (default 127.0.0.1)
  --name <s>                 instance name, sent as x-mock-instance (default mock-llm)
  --latency-ms <ms>          added latency per request (default 0)
  --jitter-ms <ms>           random extra latency 0..ms (default 0)
  --fail-status <code>       fail requests with this HTTP status (400-599)
  --fail-ratio <0..1>        probability that a request fails (default 0)
  --retry-after-seconds <s>  retry-after on 429 responses (default 1)
  --failure-mode <m>         respond | timeout | drop (default respond)
  --api-key <key>            require Authorization: Bearer <key> (or api-key header)
  --content <text>           completion text (default "Hello from mock-llm")
  --completion-tokens <n>    completion_tokens to report (default: words of content)
  --echo <true|false>        answer with the last user message's text (default false)
  --stream-interval-ms <ms>  gap before each streamed content chunk; 0 = one write (default 0)
  --stream-chunks <n>        content chunks per stream (default: one per word)
  --stream-fail-after <n>    fail streams after n content chunks, per --failure-mode (default: never)
  -h, --help                 show this help
`;

const FLAGS = [
  'port',
  'host',
  'name',
  'latency-ms',
  'jitter-ms',
  'fail-status',
  'fail-ratio',
  'retry-after-seconds',
  'failure-mode',
  'api-key',
  'content',
  'completion-tokens',
  'echo',
  'stream-interval-ms',
  'stream-chunks',
  'stream-fail-after',
] as const;
type Flag = (typeof FLAGS)[number];

const numberString = z
  .string()
  .trim()
  .regex(/^-?(\d+(\.\d*)?|\.\d+)$/, 'must be a number')
  .transform(Number);

const booleanString = z
  .string()
  .trim()
  .regex(/^(true|false|1|0)$/, 'must be true or false')
  .transform((v) => v === 'true' || v === '1');

const cliSchema = z.strictObject({
  port: numberString.pipe(z.number().int('must be an integer').min(0).max(65535)).optional(),
  host: z.string().min(1, 'must not be empty').optional(),
  name: z
    .string()
    .regex(/^[\x20-\x7e]+$/, 'must be non-empty printable ASCII')
    .optional(),
  'latency-ms': numberString.pipe(behaviourPatchSchema.shape.latencyMs.unwrap()).optional(),
  'jitter-ms': numberString.pipe(behaviourPatchSchema.shape.jitterMs.unwrap()).optional(),
  'fail-status': numberString.pipe(z.number().int('must be an integer').min(400).max(599)).optional(),
  'fail-ratio': numberString.pipe(behaviourPatchSchema.shape.failRatio.unwrap()).optional(),
  'retry-after-seconds': numberString.pipe(behaviourPatchSchema.shape.retryAfterSeconds.unwrap()).optional(),
  'failure-mode': behaviourPatchSchema.shape.failureMode.unwrap().optional(),
  'api-key': z.string().min(1, 'must not be empty').optional(),
  content: z.string().optional(),
  'completion-tokens': numberString.pipe(z.number().int('must be an integer').min(0)).optional(),
  echo: booleanString.optional(),
  'stream-interval-ms': numberString.pipe(behaviourPatchSchema.shape.streamIntervalMs.unwrap()).optional(),
  'stream-chunks': numberString.pipe(z.number().int('must be an integer').min(1).max(100_000)).optional(),
  'stream-fail-after': numberString.pipe(z.number().int('must be an integer').min(0).max(100_000)).optional(),
});

function envName(flag: Flag): string {
  return `MOCK_LLM_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function isFlag(name: string): name is Flag {
  return (FLAGS as readonly string[]).includes(name);
}

/**
 * Parses CLI flags (`argv` without the node/script prefix, i.e. `process.argv.slice(2)`) and
 * optional env vars. Pure: no I/O, no process access. Throws {@link MockArgsError}.
 */
export function parseMockArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): MockCliOptions {
  const raw: Partial<Record<Flag, string>> = {};
  const source: Partial<Record<Flag, string>> = {};
  for (const flag of FLAGS) {
    const value = env[envName(flag)];
    if (value !== undefined && value !== '') {
      raw[flag] = value;
      source[flag] = envName(flag);
    }
  }

  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new MockArgsError(`unexpected argument: ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!isFlag(name)) throw new MockArgsError(`unknown option: --${name}`);
    let value: string;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new MockArgsError(`option --${name} needs a value`);
      }
      value = next;
      i++;
    }
    raw[name] = value;
    source[name] = `--${name}`;
  }

  const result = cliSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path[0];
      const where = typeof key === 'string' && isFlag(key) ? (source[key] ?? `--${key}`) : 'arguments';
      const given = typeof key === 'string' && isFlag(key) ? raw[key] : undefined;
      return `${where}: ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`;
    });
    throw new MockArgsError(lines.join('\n'));
  }
  const o = result.data;
  const behaviour: Partial<MockBehaviour> = {};
  if (o['latency-ms'] !== undefined) behaviour.latencyMs = o['latency-ms'];
  if (o['jitter-ms'] !== undefined) behaviour.jitterMs = o['jitter-ms'];
  if (o['fail-status'] !== undefined) behaviour.failStatus = o['fail-status'];
  if (o['fail-ratio'] !== undefined) behaviour.failRatio = o['fail-ratio'];
  if (o['retry-after-seconds'] !== undefined) behaviour.retryAfterSeconds = o['retry-after-seconds'];
  if (o['failure-mode'] !== undefined) behaviour.failureMode = o['failure-mode'];
  if (o['api-key'] !== undefined) behaviour.apiKey = o['api-key'];
  if (o.content !== undefined) behaviour.content = o.content;
  if (o['completion-tokens'] !== undefined) behaviour.completionTokens = o['completion-tokens'];
  if (o.echo !== undefined) behaviour.echo = o.echo;
  if (o['stream-interval-ms'] !== undefined) behaviour.streamIntervalMs = o['stream-interval-ms'];
  if (o['stream-chunks'] !== undefined) behaviour.streamChunks = o['stream-chunks'];
  if (o['stream-fail-after'] !== undefined) behaviour.streamFailAfter = o['stream-fail-after'];
  return {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    name: o.name ?? 'mock-llm',
    behaviour,
    help,
  };
}
