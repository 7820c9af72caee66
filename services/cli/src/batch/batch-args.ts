import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from '../args.js';

/** Options of `switchyard batch`. */
export const BatchArgsSchema = z.object({
  input: z.string().min(1),
  /** Results (OpenAI's output line format); lines already in it are not run again. */
  out: z.string().min(1),
  /** Error lines; default: written to `out` too. */
  errors: z.string().min(1).optional(),
  /** The Switchyard API. Default http://127.0.0.1:4000. */
  url: z.string().url().default('http://127.0.0.1:4000'),
  /** Bearer key. Default: SWITCHYARD_API_KEY, else none. */
  key: z.string().min(1).optional(),
  /** Default /v1/chat/completions. */
  endpoint: z.enum(['/v1/chat/completions', '/v1/embeddings']).default('/v1/chat/completions'),
  /** Seconds between progress reads. Default 1. */
  poll: z.coerce.number().positive().max(600).default(1),
});
export type BatchArgs = z.infer<typeof BatchArgsSchema>;

export const BATCH_USAGE = `Usage: switchyard batch INPUT.jsonl --out RESULTS.jsonl [--errors ERRORS.jsonl]
                        [--url http://127.0.0.1:4000] [--key KEY] [--endpoint /v1/chat/completions] [--poll SECONDS]

Uploads INPUT through the Files API, runs it as a batch, shows progress (a bar on a terminal,
plain lines otherwise) and writes the results in OpenAI's batch output format. Rerun with the
same --out to run only the lines not in it yet. Ctrl+C cancels the batch and keeps what finished.
Exit code 0 when every line got a result.`;

/** Parses `switchyard batch ...` (argv after the command). */
export function parseBatchArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): BatchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        errors: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        endpoint: { type: 'string' },
        poll: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length !== 1) throw new UsageError('batch needs exactly one INPUT.jsonl.');
  const key = parsed.values.key ?? env.SWITCHYARD_API_KEY;
  const r = BatchArgsSchema.safeParse({ ...parsed.values, input: parsed.positionals[0], ...(key ? { key } : {}) });
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UsageError(`--${i?.path.join('.')}: ${i?.message}`);
  }
  return r.data;
}
