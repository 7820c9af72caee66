/** Helpers for the batch tests: JSONL inputs and polling a batch with the `openai` SDK. */
import type OpenAI from 'openai';
import { toFile } from 'openai';

/** A chat batch line. */
export function chatLine(customId: string, model: string, content: string, url = '/v1/chat/completions'): Record<string, unknown> {
  return { custom_id: customId, method: 'POST', url, body: { model, messages: [{ role: 'user', content }], max_tokens: 16 } };
}

/** JSONL text of the given lines (objects are serialized, strings kept as they are). */
export function jsonl(lines: readonly (Record<string, unknown> | string)[]): string {
  return `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;
}

/** Uploads `text` as a batch input file and creates a batch of it. */
export async function submitBatch(client: OpenAI, text: string, metadata?: Record<string, string>): Promise<OpenAI.Batches.Batch> {
  const file = await client.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl'), purpose: 'batch' });
  return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', ...(metadata ? { metadata } : {}) });
}

const FINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Polls `batches.retrieve` until the batch is final (or `until` says so); throws after `timeoutMs`. */
export async function pollBatch(
  client: OpenAI,
  id: string,
  timeoutMs = 60_000,
  until: (b: OpenAI.Batches.Batch) => boolean = (b) => FINAL.has(b.status),
): Promise<OpenAI.Batches.Batch> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const b = await client.batches.retrieve(id);
    if (until(b)) return b;
    if (Date.now() > end) throw new Error(`batch ${id} still ${b.status} after ${timeoutMs} ms: ${JSON.stringify(b.request_counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The JSON lines of a file. */
export async function fileLines(client: OpenAI, fileId: string | null | undefined): Promise<Record<string, unknown>[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
