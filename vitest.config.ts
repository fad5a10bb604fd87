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
  },
});
