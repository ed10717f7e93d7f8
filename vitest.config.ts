import { defineConfig } from 'vitest/config';

// Test tiers are in file names: *.unit.test.ts (no I/O), *.int.test.ts (a real dependency), *.e2e.test.ts (the running system).
export default defineConfig({
  test: {
    include: ['**/*.{unit,int,e2e}.test.ts'],
    exclude: ['**/node_modules/**', '.tsbuild/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
