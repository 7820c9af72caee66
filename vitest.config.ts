import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Two projects, one run:
 * - `unit`: tests beside the code (`packages/*\/src/**\/*.test.ts`, `services/*\/src/**\/*.test.ts`),
 *   run against TypeScript sources through the `source` export condition;
 * - `e2e`: cross-process tests in `test/`, which spawn the built services (`dist/`), so
 *   `pnpm test` builds first.
 *
 * `vitest run` (and `scripts/test.sh`) runs both; `vitest run --project unit` only the first.
 * The one global setup (a throwaway Redis, `test/global-setup.ts`) belongs to the root config, so
 * it runs once whichever projects run, and both projects read its Redis url. The projects do not
 * extend the root config (that would run the global setup once per project). Each runs its files
 * one at a time (they share the one Redis and flush it).
 */
const shared = {
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
} satisfies ViteUserConfig;
const testDefaults = { testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false } as const;

export default defineConfig({
  ...shared,
  test: {
    ...testDefaults,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
    projects: [
      { ...shared, test: { ...testDefaults, name: 'unit', include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'] } },
      { ...shared, test: { ...testDefaults, name: 'e2e', include: ['test/**/*.test.ts'] } },
    ],
  },
});
