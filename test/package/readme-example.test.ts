// The README's example is what a new user runs first: it must work as printed, exit by itself, and its
// echo server must survive clients that end, destroy, abort or reset (as a node:net server written the
// same way would).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const source = join(root, 'src', 'index.ts');

/** The README's first TypeScript block, importing the sources in place of the package. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ts block');
  return block.replace(`from 'mpt'`, `from ${JSON.stringify(source)}`);
}

/** Runs a script with tsx in a scratch folder; its output and exit status. */
function run(script: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mpt-readme-'));
  try {
    const file = join(dir, 'example.mts');
    writeFileSync(file, script);
    const result = spawnSync(tsx, [file], { encoding: 'utf8', timeout: 30_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the README's example", () => {
  it('prints the echo and exits by itself', () => {
    const { status, stdout, stderr } = run(readmeExample());
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^hello over mpt Uint8Array\(32\)/);
    expect(status).toBe(0);
  });

  it('its echo server survives clients that end, destroy, destroy(err) and resetAndDestroy', () => {
    // The example's server, on another port, with the client part replaced by four clients that leave
    // in the four ways; the process must exit 0 after they all closed and the server closed. (The one
    // that ends reads too: as with net, unread bytes would hold its 'end' and 'close' back.)
    const example = readmeExample();
    const serverPart = example.slice(0, example.indexOf('server.listen(')).replace('4433', '0');
    const script = `${serverPart}
let left = 4;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  const leave = [(s) => s.resume().end('bye'), (s) => s.destroy(), (s) => s.destroy(new Error('x')), (s) => s.resetAndDestroy()];
  for (const how of leave) {
    const client = connect({ host: '127.0.0.1', port });
    client.on('error', () => {});
    client.on('connect', () => { client.write('hello'); how(client); });
    client.on('close', () => { if (--left === 0) setTimeout(() => server.close(), 200); });
  }
});
`;
    const { status, stderr } = run(script);
    expect(stderr.split('\n').filter((l) => l !== '' && l !== 'ECONNRESET')).toEqual([]);
    expect(status).toBe(0);
  });
});
