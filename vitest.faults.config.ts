import { defineConfig } from 'vitest/config';

/*
 * `npm run test:faults`: the fault suite (docs/reliability.md). Its files are `*.fault.ts`, so `npm test` never
 * runs them: each case starts real processes against private Redis and PostgreSQL instances and waits out an
 * outage, minutes in all. One file at a time: the cases measure recovery times, which a neighbour's load would
 * distort, and the machine's CPU is scarce.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000,
    globalSetup: ['test/faults/global-setup.ts'],
  },
});
