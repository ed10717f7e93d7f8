import { defineConfig } from 'vitest/config';

/** The test tiers, each named by its file suffix; `--project <tier>` runs one of them. */
const TIERS = ['unit', 'int', 'e2e'] as const;

// Test tiers are in file names: *.unit.test.ts (no I/O), *.int.test.ts (a real dependency), *.e2e.test.ts (the running system).
// One vitest project per tier: their include patterns are disjoint, so `vitest run` still runs every file exactly once.
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '.tsbuild/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One temporary directory per run (TMPDIR of the workers), removed at its end: test/setup/temp-dir.ts.
    globalSetup: ['test/setup/temp-dir.ts'],
    reporters: ['default'],
    projects: TIERS.map((tier) => ({
      extends: true,
      test: { name: tier, include: [`**/*.${tier}.test.ts`] },
    })),
  },
});
