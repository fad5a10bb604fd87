// What both ends' transfer tests set up: a temporary folder per test with a source file and an empty
// destination, and the error a promise rejects with.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'mpt-transfer-'));
let n = 0;

/** Removes every folder {@link folders} made (call from afterAll). */
export function removeFolders(): void {
  rmSync(root, { recursive: true, force: true });
}

/** A fresh folder pair: `src` with a file of `bytes`, `dest` empty. */
export function folders(bytes: Buffer): { file: string; dest: string } {
  const base = join(root, String(n++));
  mkdirSync(join(base, 'src'), { recursive: true });
  mkdirSync(join(base, 'dest'));
  writeFileSync(join(base, 'src', 'data.bin'), bytes);
  return { file: join(base, 'src', 'data.bin'), dest: join(base, 'dest') };
}

/** The error `promise` rejects with (it must reject). */
export function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('resolved');
    },
    (error: { code: string; message: string }) => error,
  );
}
