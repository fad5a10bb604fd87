// The published artefact, checked as a user gets it: `npm pack`, install the
// tarball into an empty folder, then load it through ESM `import`, CJS
// `require` and the TypeScript compiler (both module kinds).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let consumer = '';

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), 'mpt-pack-'));
  // `npm pack` runs the prepack script, i.e. a fresh tsup build.
  run(npm, ['pack', '--silent', '--pack-destination', work], root);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack wrote no tarball');
  consumer = join(work, 'consumer');
  run('mkdir', ['-p', consumer], work);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // Dependencies come from the npm cache that `npm ci` just filled.
  run(
    npm,
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(work, tarball)],
    consumer,
  );
}, 180_000);

afterAll(() => {
  if (consumer !== '') rmSync(resolve(consumer, '..'), { recursive: true, force: true });
});

describe('the packed package', () => {
  it('loads through ESM import', () => {
    const out = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { MptError, generateKeyPair, PROTOCOL_VERSION } from 'mpt';" +
          'const k = generateKeyPair();' +
          'console.log(typeof MptError, k.publicKey.length, typeof PROTOCOL_VERSION);',
      ],
      consumer,
    );
    expect(out.trim()).toBe('function 32 number');
  });

  it('loads through CJS require', () => {
    const out = run(
      process.execPath,
      [
        '-e',
        "const m = require('mpt');" +
          'const k = m.generateKeyPair();' +
          'console.log(typeof m.MptError, k.privateKey.length, typeof m.PROTOCOL_VERSION);',
      ],
      consumer,
    );
    expect(out.trim()).toBe('function 32 number');
  });

  it('shares one engine between mpt and mpt/sim (one MptError class), through ESM and CJS', () => {
    const esm = run(
      process.execPath,
      ['--input-type=module', '-e', "import { MptError } from 'mpt'; import * as sim from 'mpt/sim'; console.log(sim.MptError === MptError, typeof sim.simulateConnection);"],
      consumer,
    );
    expect(esm.trim()).toBe('true function');
    const cjs = run(process.execPath, ['-e', "const a = require('mpt'); const s = require('mpt/sim'); console.log(a.MptError === s.MptError, typeof s.simulateConnection);"], consumer);
    expect(cjs.trim()).toBe('true function');
  });

  it('installs the mpt command, which runs (its subcommands bundled into the one file)', () => {
    const bin = join(consumer, 'node_modules', '.bin', process.platform === 'win32' ? 'mpt.cmd' : 'mpt');
    expect(run(bin, ['--version'], consumer).trim()).toMatch(/^mpt \d+\.\d+\.\d+$/);
    expect(run(bin, ['--help'], consumer)).toMatch(/^usage: mpt <command>/);
    // A subcommand loaded on demand; keygen prints the public key it wrote.
    const out = run(bin, ['keygen', '-o', join(consumer, 'id')], consumer);
    expect(out).toMatch(/^mpt-pub:[A-Za-z0-9_-]{43}\n$/);
  });

  it('carries types for both module kinds', () => {
    const source =
      "import { generateKeyPair, MptError, type KeyPair } from 'mpt';\n" +
      'const k: KeyPair = generateKeyPair();\n' +
      'const n: number = k.publicKey.length;\n' +
      "const e: MptError = new MptError('ERR_MPT_INVALID_CONFIG', 'x');\n" +
      'export { n, e };\n' +
      // A deliberate type error proves the checker really sees the types.
      '// @ts-expect-error publicKey is not a string\n' +
      'const s: string = k.publicKey;\n' +
      'export { s };\n';
    writeFileSync(join(consumer, 'esm.mts'), source);
    writeFileSync(join(consumer, 'cjs.cts'), source);
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    args.push('--types', 'node', '--typeRoots', join(root, 'node_modules/@types'));
    run(process.execPath, [tsc, ...args, 'esm.mts', 'cjs.cts'], consumer);
  });
});
