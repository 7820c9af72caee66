/** Where the API listens when nothing says otherwise and no master key protects it. */
export const LOOPBACK_HOST = '127.0.0.1';
/** Where the API listens by default when a master key protects it. */
export const ALL_INTERFACES_HOST = '0.0.0.0';

/** The address to bind, and a warning to log at start (when there is one). */
export interface BindDecision {
  host: string;
  warning?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Chooses the API's bind address, the way Redis' protected mode does:
 * - an explicit host (`--host` or `HOST`) is always used; without a master key, and unless it is
 *   a loopback address, with a warning that anyone who reaches it can use the API (and read
 *   `/model/info`, which shows each deployment's `api_base`);
 * - otherwise {@link ALL_INTERFACES_HOST} with a master key, and {@link LOOPBACK_HOST} without
 *   one, with a warning saying so and how to listen elsewhere.
 */
export function chooseBindHost(explicit: string | undefined, hasMasterKey: boolean): BindDecision {
  if (explicit !== undefined) {
    if (hasMasterKey || LOOPBACK.has(explicit)) return { host: explicit };
    return {
      host: explicit,
      warning:
        `No master key is configured (general_settings.master_key) and the API listens on ${explicit}: ` +
        'anyone who can reach it can submit requests and read /model/info.',
    };
  }
  if (hasMasterKey) return { host: ALL_INTERFACES_HOST };
  return {
    host: LOOPBACK_HOST,
    warning:
      `No master key is configured (general_settings.master_key), so the API listens on ${LOOPBACK_HOST} only. ` +
      'Set a master key to listen on all interfaces, or set HOST (--host) to choose the address explicitly.',
  };
}
