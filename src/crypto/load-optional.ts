import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Where to resolve optional modules from, in whichever build this is. ESM
 * has `import.meta.url`, and so does mpt's own CJS build: tsup.config.ts
 * sets `shims: true`, which defines it there. The `__filename` fallback is
 * for anyone who bundles the sources with another tool that empties
 * `import.meta` in CJS output (esbuild without shims, as
 * test/crypto/module-loading.test.ts does). The bare identifier `require`
 * is deliberately not used: esbuild's ESM output rewrites it into a shim
 * that throws on dynamic use.
 */
function resolutionBase(): string {
  const url = (import.meta as { url?: unknown }).url;
  if (typeof url === 'string') return url;
  if (typeof __filename === 'string') return __filename;
  return join(process.cwd(), 'index.js');
}

/**
 * Loads an optional dependency at run time. Returns undefined when it is not
 * installed or fails to load (a missing native prebuild, say); never throws,
 * so the package always loads without it.
 */
export function loadOptional(name: string): unknown {
  try {
    return createRequire(resolutionBase())(name);
  } catch {
    return undefined;
  }
}
