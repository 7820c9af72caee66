import { z } from 'zod';
import { InvalidRequestError, MAX_FILE_EXPIRY_SECONDS, MIN_FILE_EXPIRY_SECONDS } from '@switchyard/core';

/**
 * OpenAI's file expiration policy (`expires_after` of an upload, `output_expires_after` of a
 * batch): anchor `created_at` (the file's creation time), `seconds` from 3 600 (1 hour) to
 * 2 592 000 (30 days). Numbers may come as strings (multipart form fields).
 */
export const ExpiresAfterSchema = z.object({
  anchor: z.literal('created_at'),
  seconds: z.coerce.number().int().min(MIN_FILE_EXPIRY_SECONDS).max(MAX_FILE_EXPIRY_SECONDS),
});

/** 400 naming the policy field and what is wrong with it. */
function invalid(param: string, error: z.ZodError): InvalidRequestError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${param}.${issue.path.join('.')}` : param;
  const why =
    issue?.path[0] === 'seconds'
      ? `must be an integer from ${MIN_FILE_EXPIRY_SECONDS} to ${MAX_FILE_EXPIRY_SECONDS}`
      : issue?.path[0] === 'anchor'
        ? "must be 'created_at'"
        : 'must be an object {anchor, seconds}';
  return new InvalidRequestError(`Invalid '${where}': ${why}.`, where, 'invalid_value');
}

/** The policy's seconds from a JSON value (`undefined`/`null` = none); throws a 400 for a bad one. */
export function expirySeconds(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = ExpiresAfterSchema.safeParse(value);
  if (!parsed.success) throw invalid(param, parsed.error);
  return parsed.data.seconds;
}

/**
 * The policy's seconds from multipart fields, as the OpenAI SDKs send a nested object
 * (`expires_after[anchor]`, `expires_after[seconds]`); none of them = no policy.
 */
export function expirySecondsFromForm(fields: ReadonlyMap<string, string>, param: string): number | undefined {
  const anchor = fields.get(`${param}[anchor]`);
  const seconds = fields.get(`${param}[seconds]`);
  if (anchor === undefined && seconds === undefined) return undefined;
  return expirySeconds({ anchor, seconds }, param);
}
