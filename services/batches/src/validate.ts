import { readLines, type BatchError, type BatchObject, type BatchStore, type FileStore } from '@switchyard/core';
import { checkInputLine, type ModelCheck } from './input-line.js';

/** Validation stops collecting after this many errors (OpenAI reports a sample too). */
export const MAX_REPORTED_ERRORS = 100;

/** Custom ids checked for duplicates per Redis round trip. */
const CLAIM_BATCH = 500;

/** Outcome of {@link validateInput}. */
export type ValidationResult = { ok: true; total: number; model: string } | { ok: false; errors: BatchError[] };

/**
 * Reads the batch's input file once, streaming, and checks every non-blank line
 * (`checkInputLine`) and that no `custom_id` repeats (kept in a temporary Redis hash, not in
 * memory). Nothing is submitted; an empty file is an error too. `model` is the first line's
 * `body.model` (the batch object's `model`).
 */
export async function validateInput(batch: BatchObject, files: FileStore, batches: BatchStore, checkModel: ModelCheck): Promise<ValidationResult> {
  const errors: BatchError[] = [];
  const file = await files.get(batch.input_file_id);
  if (!file) {
    return { ok: false, errors: [{ code: 'file_not_found', message: `Input file ${batch.input_file_id} does not exist.`, param: 'input_file_id', line: null }] };
  }
  let total = 0;
  let model = '';
  let pending: { customId: string; line: number }[] = [];
  const flush = async (): Promise<void> => {
    const firsts = await batches.claimCustomIds(batch.id, pending);
    firsts.forEach((first, i) => {
      const e = pending[i];
      if (first !== null && e && errors.length < MAX_REPORTED_ERRORS) {
        errors.push({
          code: 'duplicate_custom_id',
          message: `Line ${e.line}: custom_id "${e.customId.slice(0, 100)}" is already used on line ${first}.`,
          param: 'custom_id',
          line: e.line,
        });
      }
    });
    pending = [];
  };
  try {
    for await (const l of readLines((c) => files.chunks(file.id, c))) {
      if (l.text.trim() === '') continue;
      total += 1;
      const r = checkInputLine(l, batch.endpoint, checkModel);
      if ('error' in r) {
        errors.push(r.error);
        if (errors.length >= MAX_REPORTED_ERRORS) break;
        continue;
      }
      if (model === '') model = String(r.ok.body.model);
      pending.push({ customId: r.ok.custom_id, line: l.line });
      if (pending.length >= CLAIM_BATCH) await flush();
    }
    await flush();
  } finally {
    await batches.dropCustomIds(batch.id);
  }
  if (total === 0) errors.push({ code: 'empty_file', message: 'The input file has no requests.', param: 'input_file_id', line: null });
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, total, model };
}
