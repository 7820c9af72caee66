import { once } from 'node:events';
import { Router } from 'express';
import { z } from 'zod';
import { FileNotFoundError, FileTooLargeError, type FileStore } from '@switchyard/core';
import { UnsupportedMediaTypeError } from '../errors.js';
import { MULTIPART_OVERHEAD_BYTES, receiveUpload } from '../file-upload.js';
import { validationError } from '../http-errors.js';

/** `GET /v1/files` query: OpenAI's cursor paging (`limit` default 10 000, newest first). */
export const FileListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  after: z.string().min(1).max(200).optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
  purpose: z.string().min(1).max(64).optional(),
});

/**
 * The Files API: `POST /v1/files` (multipart, streamed into the store; 413 over the size
 * limit), `GET /v1/files`, `GET /v1/files/:id`, `GET /v1/files/:id/content` (streamed out),
 * `DELETE /v1/files/:id`. Mounted before the JSON body guards: uploads are multipart.
 */
export function fileRoutes(store: FileStore): Router {
  const router = Router();

  router.post('/v1/files', async (req, res) => {
    const type = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data/i.test(type)) {
      throw new UnsupportedMediaTypeError('File uploads must be multipart/form-data with the parts "file" and "purpose".');
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > store.maxFileBytes + MULTIPART_OVERHEAD_BYTES) {
      res.set('connection', 'close');
      req.resume();
      throw new FileTooLargeError(store.maxFileBytes);
    }
    try {
      res.json(await receiveUpload(req, store));
    } catch (err) {
      // The client may still be sending: answer, then close the connection.
      res.set('connection', 'close');
      throw err;
    }
  });

  router.get('/v1/files', async (req, res) => {
    const q = FileListQuerySchema.safeParse(req.query);
    if (!q.success) throw validationError(q.error);
    const page = await store.list(q.data);
    res.json({
      object: 'list',
      data: page.data,
      has_more: page.has_more,
      first_id: page.data[0]?.id ?? null,
      last_id: page.data.at(-1)?.id ?? null,
    });
  });

  router.get('/v1/files/:id', async (req, res) => {
    res.json(await store.require(req.params.id));
  });

  router.get('/v1/files/:id/content', async (req, res) => {
    const file = await store.require(req.params.id);
    let gone = false;
    res.on('close', () => (gone = true));
    res.status(200).set('content-type', 'application/octet-stream');
    res.set('content-disposition', `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`);
    if (file.purpose === 'batch') res.set('content-length', String(file.bytes));
    try {
      for await (const chunk of store.chunks(file.id)) {
        if (gone) return;
        if (!res.write(chunk)) await once(res, 'drain');
      }
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err;
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  });

  router.delete('/v1/files/:id', async (req, res) => {
    if (!(await store.delete(req.params.id))) throw new FileNotFoundError(req.params.id);
    res.json({ id: req.params.id, object: 'file', deleted: true });
  });

  return router;
}
