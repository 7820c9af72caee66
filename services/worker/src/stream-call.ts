import { StreamAssembler, UpstreamError, type GuardedAdapter } from '@switchyard/providers';
import { countTextTokens } from '@switchyard/routing';
import type { ReplyRelay } from './reply-relay.js';

/** What a streamed call produced. */
export interface StreamResult {
  /** The completion the stream adds up to (stored as the job's result). */
  completion: Record<string, unknown>;
  /** Tokens it used: the stream's usage, else the prompt estimate plus the streamed text. */
  usedTokens: number;
  /** ms from the call's start to the first chunk; undefined when none came. */
  firstChunkMs?: number;
}

/** A streamed call that failed; `relayed` chunks had already reached the caller. */
export class StreamFailure extends Error {
  constructor(
    readonly error: UpstreamError,
    readonly relayed: number,
  ) {
    super(error.message);
    this.name = 'StreamFailure';
  }
}

/** Where and how a stream is relayed to the API instance holding its caller. */
export interface StreamRelay {
  /** The worker's relay (its connection also finishes the job, so the chunks arrive first). */
  sender: ReplyRelay;
  /** The caller's API channel (`channels.reply`). */
  channel: string;
  jobId: string;
  /** The start message (deployment, attempts, ...) sent before the first chunk, as JSON. */
  startJson: string;
  /** Whether the caller asked for usage (`stream_options.include_usage`). */
  includeUsage: boolean;
}

/**
 * Runs one streamed upstream call: relays each chunk to the caller's API instance as it arrives
 * (through the worker's {@link ReplyRelay}, flushed when the stream ends, so chunks and the final
 * record arrive in order), assembles the completion, and counts its tokens. The upstream is always asked for
 * usage; the caller sees the usage chunk only when it asked for it. A failure before the first
 * relayed chunk is an ordinary failure (the job may be retried: the caller saw nothing); after
 * it, a {@link StreamFailure} with the number of chunks relayed.
 */
export async function runStream(
  adapter: GuardedAdapter,
  body: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
  promptTokens: number,
  relay: StreamRelay | undefined,
): Promise<StreamResult> {
  const t0 = performance.now();
  const chunks = await adapter.chatStream({ body, signal });
  const asm = new StreamAssembler();
  const firstChunkMs = await relayStream(chunks, relay, t0, (chunk) => {
    asm.add(chunk);
    if (relay?.includeUsage === false) {
      const choices = chunk.choices;
      if (Array.isArray(choices) && choices.length === 0 && chunk.usage) return undefined; // the usage-only chunk
      delete chunk.usage;
    }
    return JSON.stringify(chunk);
  });
  const u = asm.usage;
  const reported = typeof u?.total_tokens === 'number' ? u.total_tokens : u ? (u.prompt_tokens ?? 0) + (u.completion_tokens ?? 0) : undefined;
  return {
    completion: asm.completion(),
    usedTokens: reported ?? promptTokens + countTextTokens(asm.text()),
    ...(firstChunkMs !== undefined ? { firstChunkMs } : {}),
  };
}

/**
 * Reads an upstream stream to its end, relaying each item to the caller (after the start
 * message, before the first) as the JSON text `each` gives for it (undefined: not relayed), and
 * returns the ms from `t0` to its first item. A failure before anything was relayed is thrown as
 * it is (the job may be retried); after it, as a {@link StreamFailure}. The relay is flushed
 * before this returns or throws, so the job's record follows its chunks.
 */
export async function relayStream<T>(
  items: AsyncIterable<T>,
  relay: StreamRelay | undefined,
  t0: number,
  each: (item: T) => string | undefined,
): Promise<number | undefined> {
  let first: number | undefined;
  let relayed = 0;
  try {
    for await (const item of items) {
      first ??= performance.now() - t0;
      const json = each(item);
      if (!relay || json === undefined) continue;
      if (relayed === 0) relay.sender.send(relay.channel, relay.jobId, 's', relay.startJson);
      relay.sender.send(relay.channel, relay.jobId, 'c', json);
      relayed++;
    }
  } catch (err) {
    const e = err instanceof UpstreamError ? err : new UpstreamError('connection', String(err));
    if (relayed === 0) throw e;
    throw new StreamFailure(e, relayed);
  } finally {
    // Before the job is finished on the same connection: its record must follow its chunks.
    relay?.sender.flush();
  }
  return first;
}

