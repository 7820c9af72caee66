import type { JobPayload } from '@switchyard/core';
import { AnthropicMessageAssembler, anthropicUsageTotals, type GuardedAdapter } from '@switchyard/providers';
import { relayStream, type StreamRelay, type StreamResult } from './stream-call.js';

/**
 * Runs a `/v1/messages` job untranslated on a deployment that speaks the Messages API: the
 * caller's request goes as written (the adapter's `nativeMessagesBody` puts in the deployment's
 * model and defaults and leaves out routing fields), and the answer is the API's `message`
 * (stored as the job's result). Streamed, each event is relayed to the caller's API instance as
 * it arrives (after a start message that says the events are native), and the message they add
 * up to is the result; a failure after the first relayed event is a {@link StreamFailure}, as
 * for OpenAI streams. Tokens: the message's usage (input with cache reads and writes, and output).
 */
export async function runMessages(
  adapter: GuardedAdapter,
  native: NonNullable<JobPayload['messages']>,
  stream: boolean,
  signal: AbortSignal,
  relay: StreamRelay | undefined,
): Promise<StreamResult> {
  const call = { body: native.body, signal, ...(native.beta ? { beta: native.beta } : {}) };
  if (!stream) {
    const message = await adapter.messages(call);
    return { completion: message, usedTokens: total(message) };
  }
  const t0 = performance.now();
  const events = await adapter.messagesStream(call);
  const asm = new AnthropicMessageAssembler();
  const firstChunkMs = await relayStream(events, relay, t0, (ev) => {
    asm.add(ev);
    return JSON.stringify(ev.data);
  });
  const message = asm.result();
  return { completion: message, usedTokens: total(message), ...(firstChunkMs !== undefined ? { firstChunkMs } : {}) };
}

function total(message: unknown): number {
  const { input, output } = anthropicUsageTotals(message);
  return input + output;
}

/** A native answer's usage in OpenAI's shape, for the worker's token and cost metrics. */
export function metricsUsage(message: unknown): { usage: { prompt_tokens: number; completion_tokens: number } } {
  const { input, output } = anthropicUsageTotals(message);
  return { usage: { prompt_tokens: input, completion_tokens: output } };
}
