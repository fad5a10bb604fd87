// `mpt send` to `mpt recv` as a user runs them: a few MB arrive identical, both print the same
// sha256 line, and a sender's name with ../ lands inside -o.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mpt-send-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mpt send and mpt recv', () => {
  it('move a file intact, check it with SHA-256 on both sides, and keep it inside the receiver folder', async () => {
    const env = { MPT_CONFIG_DIR: join(root, 'config') };
    const bytes = Buffer.concat([randomBytes(2_000_000), Buffer.alloc(1_000_000), randomBytes(12_345)]);
    const file = join(root, 'payload.bin');
    writeFileSync(file, bytes);
    const out = join(root, 'inbox', 'deep');
    mkdirSync(join(root, 'inbox'));
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const recv = startCli(['recv', '--listen', '127.0.0.1:0', '-o', out], { env });
    const port = (await recv.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m))[1]!;
    const send = await runCli(['send', file, `127.0.0.1:${port}`, '--as', '../../escape/evil.bin'], { env });
    const received = await recv.done;

    expect(send.stderr).toContain(`mpt send: remembered the server key of 127.0.0.1:${port} in ${join(env.MPT_CONFIG_DIR, 'known_hosts')}\n`);
    expect(send.code).toBe(0);
    expect(String(send.stdout)).toMatch(new RegExp(`^sent \\.\\./\\.\\./escape/evil\\.bin, 2\\.9 MiB in [^\\n]+\\nsha256 ${sha256} ok\\n$`));
    expect(received.code).toBe(0);
    expect(String(received.stdout)).toMatch(new RegExp(`\\nreceived \\.\\./\\.\\./escape/evil\\.bin -> ${out}/evil\\.bin, 2\\.9 MiB in [^\\n]+\\nsha256 ${sha256} ok\\n$`));
    expect(readFileSync(join(out, 'evil.bin')).equals(bytes)).toBe(true);
    expect(readdirSync(out)).toEqual(['evil.bin']);
    expect(readdirSync(root).sort()).toEqual(['config', 'inbox', 'payload.bin']);
    // Progress went to stderr as plain lines (no terminal here): the last one of each side at least.
    for (const run of [send, received]) {
      expect(run.stderr).not.toMatch(/\x1b/);
      expect(run.stderr).toMatch(/: 2\.9 MiB of 2\.9 MiB \(100%\), [^;\n]+; path 0 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ +active +rtt [\d.]+ ms +[^;\n]+ +\d+% of bytes/);
    }
  });
});
