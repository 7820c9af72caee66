import { defineConfig } from 'vitest/config';

/**
 * Unit tests live beside the code (`packages/*\/src/**\/*.test.ts`, `services/*\/src/**\/*.test.ts`)
 * and run against TypeScript sources through the `source` export condition. Cross-process tests
 * in `test/` spawn the built services (`dist/`), so `pnpm test` builds first.
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
  },
});
