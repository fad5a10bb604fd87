// The argument and exit conventions every subcommand shares (src/cli/args.ts).
import { describe, expect, it } from 'vitest';
import { CliError, describeError, ExitCode, oneLine, parseCommandArgs, runGuarded, UsageError, wantsHelp } from '../../src/cli/args.js';
import { MptError } from '../../src/errors.js';

const SPEC = {
  name: 'try',
  usage: 'usage: mpt try FILE [DEST]\n',
  options: { out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, tag: { type: 'string', multiple: true } },
  positionals: ['FILE', 'DEST'],
  required: 1,
} as const;

function usageMessage(argv: string[]): string {
  try {
    parseCommandArgs(SPEC, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

/** A stand-in for stderr and the environment. */
function io(env: { MPT_DEBUG?: string } = {}): { stderr: { write(t: string): void }; env: typeof env; text: () => string } {
  let text = '';
  return { stderr: { write: (t: string) => void (text += t) }, env, text: () => text };
}

describe('parseCommandArgs', () => {
  it('reads options and positionals', () => {
    const parsed = parseCommandArgs(SPEC, ['a.txt', '-o', 'x', '--tag', '1', '--tag', '2', '--force']);
    expect(parsed.help).toBe(false);
    if (parsed.help) return;
    expect(parsed.positionals).toEqual(['a.txt']);
    expect(parsed.values).toEqual({ out: 'x', tag: ['1', '2'], force: true });
  });

  it('answers help for --help or -h anywhere before --, whatever else is wrong', () => {
    expect(parseCommandArgs(SPEC, ['--bogus', '-h']).help).toBe(true);
    expect(parseCommandArgs(SPEC, ['--help']).help).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });

  it('turns each kind of bad argument into one short phrase', () => {
    expect(usageMessage(['a', '--bogus'])).toBe("unknown option '--bogus'");
    expect(usageMessage(['a', '-x'])).toBe("unknown option '-x'");
    expect(usageMessage(['a', '--out'])).toBe('option --out needs a value');
    expect(usageMessage(['a', '--force=yes'])).toBe('option --force takes no value');
    expect(usageMessage(['a', '--out', '-q'])).toMatch(/^option --out needs a value \(for one that starts with '-', write --out=VALUE\)$/);
    expect(usageMessage([])).toBe('missing FILE');
    expect(usageMessage(['a', 'b', 'c'])).toBe("unexpected argument 'c'");
    expect(usageMessage(['a', '--bogus']).includes('\n')).toBe(false);
  });
});

describe('the failure conventions', () => {
  it('describes an error as its message on one line and its code, without the ENOENT: prefix of system errors', () => {
    expect(describeError(new MptError('ECONNREFUSED', 'nothing listens\nthere'))).toBe('nothing listens there (ECONNREFUSED)');
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' });
    expect(describeError(enoent)).toBe("no such file or directory, open 'x' (ENOENT)");
    expect(describeError(new TypeError('boom'))).toBe('boom (internal error)');
    expect(describeError('a string')).toBe('a string (internal error)');
    expect(oneLine('  a\r\n  b\n')).toBe('a b');
  });

  it('reports a usage error in two lines with exit 2, a failure in one line with exit 1, and a result as it is', async () => {
    const usage = io();
    expect(await runGuarded('try', () => Promise.reject(new UsageError('missing FILE')), usage)).toBe(ExitCode.Usage);
    expect(usage.text()).toBe("mpt try: missing FILE\ntry 'mpt try --help'\n");
    const failure = io();
    expect(await runGuarded('try', () => Promise.reject(new CliError('ERR_MPT_CLI_EXISTS', 'x exists')), failure)).toBe(ExitCode.Failure);
    expect(failure.text()).toBe('mpt try: x exists (ERR_MPT_CLI_EXISTS)\n');
    const bug = io();
    expect(await runGuarded('try', async () => { throw new RangeError('bad index'); }, bug)).toBe(1);
    expect(bug.text()).toBe('mpt try: bad index (internal error)\n');
    expect(await runGuarded('try', async () => 0, io())).toBe(0);
  });

  it('adds the stack only under MPT_DEBUG=1', async () => {
    const debug = io({ MPT_DEBUG: '1' });
    await runGuarded('try', async () => { throw new RangeError('bad index'); }, debug);
    const lines = debug.text().split('\n');
    expect(lines[0]).toBe('mpt try: bad index (internal error)');
    expect(lines[1]).toMatch(/^RangeError: bad index/);
    expect(debug.text()).toMatch(/^\s+at /m);
  });
});
