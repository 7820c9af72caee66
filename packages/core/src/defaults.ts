/**
 * Defaults shared by several roles, in one place. Each is also the documented default of the
 * option or environment variable that overrides it.
 */

/** Seconds a finished job record (and its BullMQ traces) is kept. Default 86 400 (one day). */
export const JOB_RETENTION_SECONDS = 86_400;

/**
 * Seconds an unfinished job record lives without progress: set when the record is written and
 * refreshed at every start and requeue, so a record nobody will ever finish still expires.
 * Default 172 800 (two days, beyond a batch's 24 h completion window).
 */
export const JOB_ACTIVE_TTL_SECONDS = 172_800;
