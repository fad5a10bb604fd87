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
    // Vitest's default (one worker fewer than the cores) runs one file at a time on the 2-core machines
    // this runs on: ~4.5 minutes. Two workers took ~3, but the loopback tests that take a port found free
    // on one 127.x address on another (sharePort) then raced the other worker's sockets: one failure in
    // three runs. So one at a time.
  },
});
