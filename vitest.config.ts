import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report is what .ci/run turns into its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'harness/**/*.test.ts'] } },
      {
        test: {
          name: 'lab',
          include: ['suites/**/*.test.ts'],
          // Labs share the machine's kernel: one file at a time keeps timings honest.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
