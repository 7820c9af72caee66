/** Helpers for the batch tests: their config, JSONL inputs and polling a batch with the `openai` SDK. */
import OpenAI, { toFile } from 'openai';
import { writeConfig } from './config.js';

/**
 * Writes the batch tests' config: a `fast` group (no limit) and/or a `slow` group
 * (`max_parallel_requests: 2`) on the given mock URLs, behind `masterKey`. Returns its path.
 */
export function writeBatchConfig(o: { fastUrl?: string; slowUrl?: string; masterKey: string }): string {
  const groups: string[] = [];
  if (o.fastUrl) groups.push(`  - model_name: fast\n    litellm_params: { model: openai/fast, api_base: "${o.fastUrl}/v1" }\n    model_info: { id: fast-1 }`);
  if (o.slowUrl) {
    groups.push(`  - model_name: slow\n    litellm_params: { model: openai/slow, api_base: "${o.slowUrl}/v1", max_parallel_requests: 2 }\n    model_info: { id: slow-1 }`);
  }
  return writeConfig(`model_list:\n${groups.join('\n')}\ngeneral_settings:\n  master_key: ${o.masterKey}\n`);
}

/** The official SDK against a Switchyard API origin, without SDK retries (unless `maxRetries`). */
export function sdkClient(origin: string, key: string, maxRetries = 0): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${origin}/v1`, maxRetries });
}

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
