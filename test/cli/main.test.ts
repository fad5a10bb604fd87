// The conventions every `mpt` subcommand keeps, checked on the real process: --help prints the usage
// on stdout and exits 0; bad arguments give one line naming the problem, a line pointing to --help,
// exit 2 and no stack trace. The runs are independent, so they go concurrently.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasStackTrace, linesOf, runCli } from '../support/run-cli.js';

const config = mkdtempSync(join(tmpdir(), 'mpt-cli-main-'));
const env = { MPT_CONFIG_DIR: config };
afterAll(() => rmSync(config, { recursive: true, force: true }));

/** Each subcommand, a bad-argument case for it, and what the error line must say. */
const COMMANDS = [
  { name: 'keygen', bad: ['keygen', '--out'], says: /option --out needs a value/ },
  { name: 'serve', bad: ['serve', '--mode', 'mirror'], says: /--mode must be echo, sink or converter/ },
  { name: 'serve', bad: ['serve', '--mode', 'converter', '--allow', '127.0.0.1/32'], says: /--mode converter needs --client-key KEY .*, --psk FILE or --allow-any-client/ },
  { name: 'serve', bad: ['serve', '--mode', 'sink', '--deny', '10.0.0.0/8'], says: /--deny is an option of --mode converter, not of --mode sink/ },
  { name: 'connect', bad: ['connect', '[::1]4433'], says: /after the '\]'/ },
  { name: 'connect', bad: ['connect', '--via', '127.0.0.1:4433', 'example.org'], says: /destination: 'example.org' has no port/ },
  { name: 'proxy', bad: ['proxy', '--listen', '127.0.0.1:1080'], says: /missing --converter HOST:PORT/ },
  { name: 'send', bad: ['send', 'only-a-file'], says: /missing HOST:PORT/ },
  { name: 'recv', bad: ['recv', '--listen', '127.0.0.1:5000', '--port', '5001'], says: /one port: got 5001 and 5000/ },
  { name: 'demo', bad: ['demo', '--mib', 'lots'], says: /--mib must be a number above 0/ },
] as const;

describe('mpt', () => {
  it('prints the command list for --help and help (exit 0), on stderr with exit 2 when run bare, and its version', async () => {
    const [help, helpWord, bare, version, unknown, helpSend] = await Promise.all([
      runCli(['--help'], { env }),
      runCli(['help'], { env }),
      runCli([], { env }),
      runCli(['--version'], { env }),
      runCli(['frobnicate'], { env }),
      runCli(['help', 'send'], { env }),
    ]);
    expect(help.code).toBe(0);
    const list = String(help.stdout);
    for (const c of COMMANDS) expect(list).toMatch(new RegExp(`^  ${c.name} `, 'm'));
    expect(helpWord.code).toBe(0);
    expect(String(helpWord.stdout)).toBe(list);
    expect(bare.code).toBe(2);
    expect(String(bare.stdout)).toBe('');
    expect(bare.stderr).toBe(list);
    expect(version.code).toBe(0);
    expect(String(version.stdout)).toMatch(/^mpt \d+\.\d+\.\d+\n$/);
    expect(unknown.code).toBe(2);
    expect(linesOf(unknown.stderr)).toEqual(["mpt: unknown command 'frobnicate'", "try 'mpt --help'"]);
    expect(helpSend.code).toBe(0);
    expect(String(helpSend.stdout)).toMatch(/^usage: mpt send FILE HOST:PORT/);
  });

  it('every subcommand mpt --help lists prints its usage for --help (and -h) and exits 0', async () => {
    const list = String((await runCli(['--help'], { env })).stdout);
    const names = [...list.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(COMMANDS.map((c) => c.name)));
    const runs = await Promise.all(names.map((name) => runCli([name, name === 'send' ? '-h' : '--help'], { env })));
    runs.forEach((run, i) => {
      const name = names[i]!;
      expect(run.stderr, name).toBe('');
      expect(run.code, name).toBe(0);
      expect(String(run.stdout), name).toMatch(new RegExp(`^usage: mpt ${name}\\b[^\\n]*\\n\\n[\\s\\S]+\\n  -h, --help +\\S`));
    });
  });

  it('every subcommand answers bad arguments with one line, a pointer to --help, exit 2 and no stack trace', async () => {
    const runs = await Promise.all(COMMANDS.map((c) => runCli(c.bad, { env })));
    runs.forEach((run, i) => {
      const c = COMMANDS[i]!;
      expect(run.code, c.name).toBe(2);
      expect(String(run.stdout), c.name).toBe('');
      expect(hasStackTrace(run.stderr), c.name).toBe(false);
      const lines = linesOf(run.stderr);
      expect(lines, c.name).toHaveLength(2);
      expect(lines[0], c.name).toMatch(new RegExp(`^mpt ${c.name}: `));
      expect(lines[0], c.name).toMatch(c.says);
      expect(lines[1], c.name).toBe(`try 'mpt ${c.name} --help'`);
    });
  });
});
