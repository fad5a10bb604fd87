import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { sodiumProvider } from '../../src/crypto/sodium-provider.js';

// The package ships as ESM and as CJS (tsup, i.e. esbuild). The optional
// sodium-native load must work in both, and its absence must not matter.
const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = join(root, 'src/crypto/index.ts');
const inside = join(root, 'node_modules/.cache/mpt-crypto-load-test');
const outside = mkdtempSync(join(tmpdir(), 'mpt-crypto-'));

const probe = `const c = MOD; console.log(JSON.stringify({ node: c.nodeProvider().aeads, sodium: c.sodiumProvider()?.aeads ?? null, dflt: c.defaultProvider().name }));`;

async function bundle(dir: string, format: 'cjs' | 'esm'): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, format === 'cjs' ? 'crypto.cjs' : 'crypto.mjs');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format, target: 'node20', outfile: file, external: ['sodium-native'], logLevel: 'silent' });
  return file;
}

function run(dir: string, file: string, format: 'cjs' | 'esm'): { node: number[]; sodium: number[] | null; dflt: string } {
  const script =
    format === 'cjs'
      ? probe.replace('MOD', `require(${JSON.stringify(file)})`)
      : `import(${JSON.stringify('file://' + file)}).then((m) => { ${probe.replace('MOD', 'm')} })`;
  const out = execFileSync(process.execPath, [format === 'cjs' ? '-e' : '--input-type=module', ...(format === 'cjs' ? [script] : ['-e', script])], {
    cwd: dir,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as { node: number[]; sodium: number[] | null; dflt: string };
}

afterAll(() => {
  rmSync(outside, { recursive: true, force: true });
  rmSync(inside, { recursive: true, force: true });
});

// sodium-native is optional, so a checkout may lack it (or its native build).
// Whether it loads here, unbundled, decides what the bundle inside the
// checkout must report: it must find the module exactly when it is usable.
const sodiumHere = sodiumProvider() !== undefined;

describe.each(['cjs', 'esm'] as const)('%s build', (format) => {
  it(`inside the checkout, finds sodium-native exactly when it loads (here: ${sodiumHere ? 'it does' : 'it does not'})`, async () => {
    const r = run(inside, await bundle(inside, format), format);
    expect(r.node).toContain(1);
    if (sodiumHere) {
      expect(r.sodium).toEqual([2]);
      expect(r.dflt).toBe('sodium-native+node:crypto');
    } else {
      expect(r.sodium).toBeNull();
      expect(r.dflt).toBe('node:crypto');
    }
  });
  it('works without sodium-native', async () => {
    const r = run(outside, await bundle(outside, format), format);
    expect(r.node).toContain(1);
    expect(r.sodium).toBeNull();
    expect(r.dflt).toBe('node:crypto');
  });
});
