import type { Request } from 'express';
import busboy from 'busboy';
import { FilePurposeSchema, InvalidRequestError, type FileObject, type FileStore, type UploadDetails } from '@switchyard/core';
import { expirySecondsFromForm } from './expires-after.js';

/** Most bytes of multipart framing and fields accepted beside the file itself. */
export const MULTIPART_OVERHEAD_BYTES = 65_536;

/** 400: a multipart upload without its `file` part. */
export class MissingFilePartError extends InvalidRequestError {
  constructor() {
    super("Missing required parameter: 'file' (a multipart/form-data part named file).", 'file', 'missing_required_parameter');
  }
}

/** 400: `purpose` missing, or one Switchyard does not store. */
export class UnsupportedPurposeError extends InvalidRequestError {
  constructor(purpose: string | undefined) {
    super(
      purpose === undefined
        ? "Missing required parameter: 'purpose'. Switchyard stores files with purpose 'batch'."
        : `Unsupported purpose '${purpose.slice(0, 64)}': Switchyard stores files with purpose 'batch' only.`,
      'purpose',
      purpose === undefined ? 'missing_required_parameter' : 'invalid_purpose',
    );
  }
}

/**
 * Streams a `multipart/form-data` upload (`file`, `purpose`, optional `expires_after[anchor]` +
 * `expires_after[seconds]`) into the store with busboy: the file part flows chunk by chunk into
 * Redis and is never held whole. The fields may come before or after the file; they are checked
 * once the whole form was read (an unsupported purpose or a bad expiry removes the stored chunks
 * and is a 400).
 */
export function receiveUpload(req: Request, store: FileStore): Promise<FileObject> {
  return new Promise<FileObject>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { files: 1, fields: 16, fieldSize: 4_096, fileSize: store.maxFileBytes + 1 },
      });
    } catch (err) {
      reject(new InvalidRequestError(`Invalid multipart body: ${err instanceof Error ? err.message : String(err)}`, null, 'invalid_multipart'));
      return;
    }
    const fields = new Map<string, string>();
    let upload: Promise<FileObject> | undefined;
    let settled = false;
    let formDone!: () => void;
    const formRead = new Promise<void>((r) => (formDone = r));
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      req.unpipe(bb);
      req.resume(); // discard the rest of the body
      reject(err);
    };
    const details = async (): Promise<UploadDetails> => {
      await formRead;
      const raw = fields.get('purpose');
      const parsed = FilePurposeSchema.safeParse(raw);
      if (!parsed.success || parsed.data !== 'batch') throw new UnsupportedPurposeError(raw);
      const expiresAfterSeconds = expirySecondsFromForm(fields, 'expires_after');
      return { purpose: parsed.data, ...(expiresAfterSeconds !== undefined ? { expiresAfterSeconds } : {}) };
    };
    bb.on('field', (name, value) => fields.set(name, value));
    bb.on('file', (name, stream, info) => {
      if (name !== 'file' || upload) {
        stream.resume();
        return;
      }
      upload = store.upload(stream, info.filename || 'upload.jsonl', details);
      upload.catch((err: unknown) => {
        stream.resume();
        fail(err);
      });
    });
    bb.on('error', (err: unknown) =>
      fail(new InvalidRequestError(`Invalid multipart body: ${err instanceof Error ? err.message : String(err)}`, null, 'invalid_multipart')),
    );
    bb.on('close', () => {
      formDone();
      if (!upload) return fail(new MissingFilePartError());
      upload.then(
        (f) => {
          if (settled) return;
          settled = true;
          resolve(f);
        },
        fail,
      );
    });
    req.pipe(bb);
  });
}
