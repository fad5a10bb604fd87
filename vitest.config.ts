import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The examples import the package by name, as an application would: here that name means the sources
  // (tsconfig.json maps it the same way for the type checker).
  resolve: {
    alias: [
      { find: /^mpt\/sim$/, replacement: fileURLToPath(new URL('./src/sim/index.ts', import.meta.url)) },
      { find: /^mpt$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: on the 2-core machines this runs on, one file
    // at a time. The simulator files are CPU-bound and the e2e ones mostly wait on sockets and timers, so
    // two at once take ~3 minutes instead of ~4.5 (and nothing asserts on wall-clock time).
    maxWorkers: 2,
  },
});
