import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites spawn their own brokers and simulators on free ports; two workers match the CI machine.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
