// The command line of mpt bench: the defaults of each mode, every option, and a one-line error for
// each way the arguments can be wrong, mode rules included.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BENCH_SECONDS, DEFAULT_PATH_SPECS, parseBenchArgs, type BenchSettings } from '../../../src/cli/bench/bench-args.js';

function settings(argv: readonly string[]): BenchSettings {
  const result = parseBenchArgs(argv);
  if (result.isErr()) throw new Error(`expected ${argv.join(' ')} to parse, got: ${result.error}`);
  if (result.value.kind !== 'run') throw new Error('expected a run');
  return result.value;
}

function error(argv: readonly string[]): string {
  const result = parseBenchArgs(argv);
  if (result.isOk()) throw new Error(`expected ${argv.join(' ')} to be refused`);
  expect(result.error).not.toContain('\n');
  return result.error;
}

describe('parseBenchArgs', () => {
  it('asks for help with -h or --help, whatever else is given', () => {
    expect(parseBenchArgs(['--help'])._unsafeUnwrap()).toEqual({ kind: 'help' });
    expect(parseBenchArgs(['-h', '--time', 'x'])._unsafeUnwrap()).toEqual({ kind: 'help' });
  });

  it('defaults to local mode, 10 s, the two default paths, text', () => {
    const s = settings([]);
    expect(s.target).toBeUndefined();
    expect(s.seconds).toBe(DEFAULT_BENCH_SECONDS);
    expect(s.paths.map((p) => p.text)).toEqual(DEFAULT_PATH_SPECS);
    expect(s.paths.map((p) => p.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(s.defaultPaths).toBe(true);
    expect([s.json, s.tcp, s.serverKey]).toEqual([false, false, undefined]);
  });

  it('reads every option of local mode', () => {
    const s = settings(['-t', '2.5', '--path', '127.0.0.1,delay=5ms', '--path=127.0.0.3,rate=1mbit', '--json', '--tcp']);
    expect(s.seconds).toBe(2.5);
    expect(s.paths.map((p) => p.address)).toEqual(['127.0.0.1', '127.0.0.3']);
    expect(s.paths[1]?.rateBps).toBe(1e6);
    expect([s.defaultPaths, s.json, s.tcp]).toEqual([false, true, true]);
    expect(settings(['--time=3']).seconds).toBe(3);
  });

  it('reads remote mode: the server, a pinned key, local addresses without impairments', () => {
    const key = 'ab'.repeat(32);
    const s = settings(['example.net:4433', '--server-key', key, '--path', '192.0.2.7']);
    expect(s.target).toEqual({ host: 'example.net', port: 4433 });
    expect(Buffer.from(s.serverKey!).toString('hex')).toBe(key);
    expect(s.paths.map((p) => p.address)).toEqual(['192.0.2.7']);
    expect(settings(['[::1]:9']).target).toEqual({ host: '::1', port: 9 });
    expect(settings(['10.0.0.1:1']).paths).toEqual([]);
  });

  it('refuses unknown options, missing values and extra arguments', () => {
    expect(error(['--frobnicate'])).toBe("unknown option '--frobnicate'");
    expect(error(['--time'])).toBe("option '-t, --time' needs a value");
    expect(error(['--json=yes'])).toBe("option '--json' takes no value");
    expect(error(['a:1', 'b:2'])).toMatch(/one HOST:PORT at most/);
  });

  it('refuses a time out of range or not a number', () => {
    expect(error(['--time', '-1'])).toBe("option '--time' needs a value; for one starting with '-', write --time=VALUE");
    for (const t of ['0', '-1', 'ten', '1e3', '86401', '']) expect(error([`--time=${t}`])).toMatch(/^--time must be a number of seconds from 0\.1 to 86400/);
    for (const t of ['0', 'ten', '1e3', '86401', '']) expect(error(['--time', t])).toMatch(/^--time must be a number of seconds from 0\.1 to 86400/);
  });

  it('refuses a bad server address', () => {
    expect(error(['example.net'])).toMatch(/'example\.net' is not HOST:PORT/);
    expect(error(['::1:4433'])).toMatch(/brackets/);
    expect(error(['host:0'])).toMatch(/the port must be 1 to 65535/);
    expect(error(['host:http'])).toMatch(/the port must be a number/);
    expect(error([':4433'])).toMatch(/has no host/);
    expect(error(['[10.0.0.1]:4433'])).toMatch(/is not an IPv6 address/);
  });

  it('passes a bad SPEC on with --path in front', () => {
    expect(error(['--path', '127.0.0.2,delay=20'])).toBe("--path delay: '20' needs a unit (us, ms, s)");
  });

  it('keeps local-mode paths on 127.0.0.0/8, each address once, at most 8', () => {
    expect(error(['--path', '10.0.0.1'])).toMatch(/local mode needs a loopback address in 127\.0\.0\.0\/8/);
    expect(error(['--path', '::1'])).toMatch(/local mode needs a loopback address/);
    expect(error(['--path', '127.0.0.2', '--path', '127.0.0.2,delay=1ms'])).toBe('--path 127.0.0.2 given twice');
    const nine = Array.from({ length: 9 }, (_, i) => ['--path', `127.0.0.${i + 1}`]).flat();
    expect(error(nine)).toBe('at most 8 --path options, got 9');
  });

  it('keeps each option to its mode', () => {
    expect(error(['h:1', '--path', '10.0.0.1,delay=5ms'])).toMatch(/link fields apply in local mode only/);
    expect(error(['h:1', '--tcp'])).toMatch(/--tcp .* needs local mode/);
    expect(error(['--server-key', 'ab'.repeat(32)])).toMatch(/--server-key applies to remote mode/);
    expect(error(['h:1', '--server-key', 'abc'])).toMatch(/--server-key must be 32 bytes/);
  });
});
