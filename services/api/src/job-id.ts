/**
 * Shape of a job id the API will look up: `job-` and up to 64 letters, digits or dashes (ids are
 * `job-<uuid>`). Anything else (very long, `:`, `{`, `}`, `/`, control characters, ...) cannot
 * exist and is answered 404 without touching Redis.
 */
export const JOB_ID_PATTERN = /^job-[A-Za-z0-9-]{1,64}$/;

/** Whether `id` has the shape of a job id. */
export function isWellFormedJobId(id: string): boolean {
  return JOB_ID_PATTERN.test(id);
}

/** `id` shortened for error messages (at most 80 characters). */
export function displayJobId(id: string): string {
  return id.length > 80 ? `${id.slice(0, 77)}...` : id;
}
