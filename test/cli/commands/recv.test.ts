// `mpt recv --keep` as a user runs it: it keeps receiving, refuses a file whose name exists (the sender
// exits 1 with the reason in one line), and closes on SIGTERM with exit 0.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, linesOf, runCli, startCli } from '../../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mpt-recv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mpt recv --keep', () => {
  it('receives until SIGTERM, and refuses a name that exists', async () => {
    const env = { MPT_CONFIG_DIR: join(root, 'config') };
    const out = join(root, 'inbox');
    const file = join(root, 'note.txt');
    writeFileSync(file, 'first version\n');
    const recv = startCli(['recv', '--keep', '--listen', '127.0.0.1:0', '-o', out], { env });
    const port = (await recv.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m))[1]!;

    const first = await runCli(['send', file, `127.0.0.1:${port}`], { env });
    expect(first.code).toBe(0);
    await recv.waitFor(/^sha256 [0-9a-f]{64} ok$/m);
    writeFileSync(file, 'second version\n');
    const second = await runCli(['send', file, `127.0.0.1:${port}`], { env });
    expect(second.code).toBe(1);
    expect(hasStackTrace(second.stderr)).toBe(false);
    expect(linesOf(second.stderr).at(-1)).toBe("mpt send: the receiver refused the file: note.txt exists in the receiver's folder (ERR_MPT_CLI_REFUSED)");
    expect(String(second.stdout)).toBe('');

    recv.child.kill('SIGTERM');
    const received = await recv.done;
    expect(received.code).toBe(0);
    expect(linesOf(received.stdout).filter((l) => l.startsWith('received '))).toEqual([expect.stringMatching(/^received note\.txt -> .*note\.txt, 14 B in /)]);
    expect(received.stderr).toMatch(/^mpt recv: note\.txt from 127\.0\.0\.1:\d+: note\.txt exists in the receiver's folder \(ERR_MPT_CLI_EXISTS\)$/m);
    expect(readFileSync(join(out, 'note.txt'), 'utf8')).toBe('first version\n');
    expect(readdirSync(out)).toEqual(['note.txt']);
  });
});
