import { z } from 'zod';

/**
 * The job id of a batch line: one per (batch, line), so a line resubmitted after a restart is
 * the same job (created only if absent) and runs at most once successfully.
 */
export function lineJobId(batchId: string, line: number): string {
  return `job-${batchId.replace(/^batch_/, '').slice(0, 48)}-L${line}`;
}

/** What a line job's record carries in `metadata`, so its completion finds its batch line. */
export const LineMetadataSchema = z.object({
  batch_id: z.string().min(1),
  line: z.number().int().positive(),
  custom_id: z.string(),
});
export type LineMetadata = z.infer<typeof LineMetadataSchema>;
