import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';

/** The parts of a batch object the CLI reads. */
export const BatchViewSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  output_file_id: z.string().nullable(),
  error_file_id: z.string().nullable(),
  errors: z.object({ data: z.array(z.looseObject({ code: z.string().optional(), message: z.string().optional(), line: z.number().nullable().optional() })).optional() }).nullable(),
  request_counts: z.object({ total: z.number(), completed: z.number(), failed: z.number() }),
});
export type BatchView = z.infer<typeof BatchViewSchema>;

/** An HTTP error answered by the API. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/** A tiny client of the Files and Batches API (fetch; the upload streams from disk). */
export class BatchClient {
  constructor(
    private readonly url: string,
    private readonly key: string | undefined,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.key ? { authorization: `Bearer ${this.key}` } : {}), ...extra };
  }

  private async json(res: Response): Promise<unknown> {
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON
      }
      throw new ApiCallError(res.status, `HTTP ${res.status}: ${message}`);
    }
    return JSON.parse(text) as unknown;
  }

  /** Uploads a file (purpose batch), streamed from disk. */
  async upload(path: string): Promise<string> {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', await openAsBlob(path), basename(path));
    const res = await fetch(`${this.url}/v1/files`, { method: 'POST', headers: this.headers(), body: form });
    return z.object({ id: z.string() }).parse(await this.json(res)).id;
  }

  async createBatch(fileId: string, endpoint: string): Promise<BatchView> {
    const res = await fetch(`${this.url}/v1/batches`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ input_file_id: fileId, endpoint, completion_window: '24h' }),
    });
    return BatchViewSchema.parse(await this.json(res));
  }

  async getBatch(id: string): Promise<BatchView> {
    return BatchViewSchema.parse(await this.json(await fetch(`${this.url}/v1/batches/${id}`, { headers: this.headers() })));
  }

  async cancelBatch(id: string): Promise<BatchView> {
    return BatchViewSchema.parse(await this.json(await fetch(`${this.url}/v1/batches/${id}/cancel`, { method: 'POST', headers: this.headers() })));
  }

  /** A file's content as a stream of bytes. */
  async content(fileId: string): Promise<ReadableStream<Uint8Array>> {
    const res = await fetch(`${this.url}/v1/files/${fileId}/content`, { headers: this.headers() });
    if (!res.ok || !res.body) throw new ApiCallError(res.status, `HTTP ${res.status} reading file ${fileId}`);
    return res.body;
  }
}
