import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', sim: 'src/sim/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // mpt and mpt/sim share one copy of the engine (one MptError class, one Connection), in a chunk.
    splitting: true,
    // import.meta.url in the CJS build too (src/crypto/load-optional.ts resolves optional modules from it).
    shims: true,
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    // One file: the subcommands main.ts imports on demand are bundled into it, not split into chunks.
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
