import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { loadConfigFile } from '../load.js';
import type { SwitchyardConfig } from '../types.js';

/** Test support (not built): the seed fixtures and the dummy env they need (fixtures/README.md). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Dummy values for every `os.environ/` reference in the fixtures. */
export const FIXTURE_ENV: Readonly<Record<string, string>> = {
  OPENAI_API_KEY_1: 'sk-test-one',
  OPENAI_API_KEY_2: 'sk-test-two',
  ANTHROPIC_API_KEY: 'sk-ant-test',
  VERTEX_PROJECT_ID: 'test-project',
};

/** Loads `fixtures/<name>` with {@link FIXTURE_ENV}. */
export function loadFixture(name: string): SwitchyardConfig {
  return loadConfigFile(`${FIXTURES_DIR}${name}`, { env: FIXTURE_ENV });
}

/** Runs `fn`, which must throw a ConfigError, and returns it. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
