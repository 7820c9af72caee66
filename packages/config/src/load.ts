import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { parseConfig } from './parse.js';
import type { SwitchyardConfig } from './types.js';

/** Options for {@link loadConfigFile}. */
export interface LoadOptions {
  /** Environment for `os.environ/NAME` references. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Path shown for problems reading the file itself. */
export const FILE_PATH = '(file)';

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  EISDIR: 'is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Reads and parses a LiteLLM proxy `config.yaml` (UTF-8). See {@link parseConfig}.
 *
 * @throws ConfigError when the file cannot be read (missing, directory, permissions) or is invalid.
 */
export function loadConfigFile(path: string, opts: LoadOptions = {}): SwitchyardConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(path, [{ path: FILE_PATH, message: READ_ERRORS[code] ?? `cannot read file (${code || 'unknown error'})` }]);
  }
  return parseConfig(text, { source: path, ...(opts.env !== undefined ? { env: opts.env } : {}) });
}
