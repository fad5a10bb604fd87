import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test folders that open no socket or port: the engine in the simulator, cc, crypto, plugins. (One crypto
 * test runs esbuild and node in its own cache folder; nothing else shares it.)
 */
const PURE = ['test/core', 'test/cc', 'test/crypto', 'test/sim', 'test/path-managers'];

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
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        // Simulator and unit tests run in virtual time and share nothing: two files at once, one per core
        // of the 2-core machines this runs on (the coupled-cc scenarios alone are minutes of CPU).
        extends: true,
        test: {
          name: 'sim',
          include: PURE.map((dir) => `${dir}/**/*.test.ts`),
          // These files import the sources through Node's own module loader (tsx compiles the TypeScript)
          // instead of Vite's module runner, which turns every use of an imported binding into a getter
          // call: the simulator tests, which call across the engine's modules for every packet, run about
          // a fifth faster (docs/development.md). The io files keep the runner: they are few packets and
          // many short files, and the runner's shared transform cache starts each one sooner.
          execArgv: ['--import', 'tsx'],
          experimental: { viteModuleRunner: false, nodeLoader: false },
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real UDP on loopback, the CLI and the packed package: one file at a time, after the simulator
        // tests. A test that takes a port found free on one 127.x address (sharePort) raced another
        // file's ephemeral ports when two ran at once (EADDRINUSE, one run in three).
        extends: true,
        test: {
          name: 'io',
          include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...PURE.map((dir) => `${dir}/**`)],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
