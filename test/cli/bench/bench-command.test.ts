// mpt bench end to end. As a child process (the real command line, its streams and exit codes): a
// local two-path run in JSON and in text, --help, a bad SPEC. In this process, through runBenchCommand
// with captured streams: remote mode against a sink server with a pinned key, Ctrl-C, a refused
// connection. Only consistency is asserted of the figures, never a speed beyond > 0.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type MptServer } from '../../../src/index.js';
import { runBenchCommand } from '../../../src/cli/bench/bench-command.js';
import type { BenchIo } from '../../../src/cli/bench/bench-io.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PATHS = ['--path', '127.0.0.1,delay=5ms,rate=20mbit', '--path', '127.0.0.2,delay=10ms,rate=20mbit'];

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `mpt bench ...args` from the sources as a child process. */
function mptBench(args: readonly string[]): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Relative closeness, for figures rounded to 3 decimals in the JSON. */
function near(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(0.005 * Math.abs(expected) + 0.01);
}

interface JsonPath {
  id: number;
  local: string;
  remote: string;
  spec?: string;
  bytes: number;
  mbps: number;
  share: number;
  retransmittedBytes: number;
  lost: number;
  minRttMs: number | null;
  meanRttMs: number | null;
}

interface JsonInterval {
  startS: number;
  endS: number;
  paths: { id: number; bytes: number; mbps: number; rttMs: number; cwndBytes: number; share: number; lost: number; status: string }[];
  bytes: number;
  totalMbps: number;
}

interface JsonDoc {
  version: number;
  mode: string;
  server: string;
  serverKey: string | null;
  durationS: number;
  sendS: number;
  handshakeMs: number;
  paths: JsonPath[];
  intervals: JsonInterval[];
  totalBytes: number;
  deliveredBytes: number | null;
  goodputMbps: number | null;
  outcome: string;
  interrupted: boolean;
  tcp?: unknown;
}

describe('mpt bench as a child process', () => {
  let json: Outcome;
  let text: Outcome;
  let help: Outcome;
  let bad: Outcome;
  beforeAll(async () => {
    // All at once: they share nothing but the CPU, and only consistency is asserted.
    [json, text, help, bad] = await Promise.all([
      mptBench(['--time', '2', ...PATHS, '--json']),
      mptBench(['--time', '2', ...PATHS]),
      mptBench(['--help']),
      mptBench(['--path', '127.0.0.2,delay=20']),
    ]);
  }, 30_000);

  it('prints one JSON document: two paths that both carried data, and figures that add up', () => {
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as JsonDoc;
    expect(doc).toMatchObject({ version: 1, mode: 'local', outcome: 'complete', interrupted: false });
    expect(doc.serverKey).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.tcp).toBeUndefined();
    expect(doc.handshakeMs).toBeGreaterThan(0);
    expect(doc.sendS).toBeLessThanOrEqual(doc.durationS);

    expect(doc.paths.map((p) => p.id)).toEqual([0, 1]);
    expect(doc.paths.map((p) => p.local.split(':')[0])).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(doc.paths.map((p) => p.spec)).toEqual([PATHS[1], PATHS[3]]);
    // Each path goes through its own emulator: two different remote ports.
    expect(new Set(doc.paths.map((p) => p.remote)).size).toBe(2);
    for (const p of doc.paths) {
      expect(p.bytes).toBeGreaterThan(0);
      expect(p.mbps).toBeGreaterThan(0);
      near(p.mbps, (p.bytes * 8) / doc.durationS / 1e6);
      expect(p.retransmittedBytes).toBeGreaterThanOrEqual(0);
      expect(p.minRttMs).toBeGreaterThan(0);
      expect(p.meanRttMs).toBeGreaterThanOrEqual(p.minRttMs!);
      near(p.share, p.bytes / doc.totalBytes);
    }

    // The total is the paths' sum, all of it was delivered, and goodput is delivered bytes over the duration.
    expect(doc.totalBytes).toBe(doc.paths.reduce((sum, p) => sum + p.bytes, 0));
    expect(doc.deliveredBytes).toBe(doc.totalBytes);
    near(doc.goodputMbps!, (doc.totalBytes * 8) / doc.durationS / 1e6);

    // Intervals: contiguous from 0 to the duration, each listing both paths, adding up to the totals.
    expect(doc.intervals.length).toBeGreaterThanOrEqual(2);
    expect(doc.intervals[0]!.startS).toBe(0);
    expect(doc.intervals.at(-1)!.endS).toBe(doc.durationS);
    for (const [i, interval] of doc.intervals.entries()) {
      if (i > 0) expect(interval.startS).toBe(doc.intervals[i - 1]!.endS);
      expect(interval.paths.map((p) => p.id)).toEqual([0, 1]);
      expect(interval.bytes).toBe(interval.paths.reduce((sum, p) => sum + p.bytes, 0));
      const seconds = interval.endS - interval.startS;
      near(interval.totalMbps, (interval.bytes * 8) / seconds / 1e6);
      for (const p of interval.paths) {
        near(p.mbps, (p.bytes * 8) / seconds / 1e6);
        expect(p.lost).toBeGreaterThanOrEqual(0);
        expect(['validating', 'active', 'backup', 'failed', 'closed']).toContain(p.status);
      }
    }
    expect(doc.intervals.reduce((sum, i) => sum + i.bytes, 0)).toBe(doc.totalBytes);
    for (const p of doc.paths) {
      expect(doc.intervals.reduce((sum, i) => sum + i.paths.find((q) => q.id === p.id)!.bytes, 0)).toBe(p.bytes);
    }
  });

  it('prints, without --json, a line per path and a total line per interval, then the summary table', () => {
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain('\x1b');
    const lines = text.stdout.split('\n');
    const intervalLine = (id: string): RegExp => new RegExp(`^\\s*\\d+\\.\\d\\d-\\d+\\.\\d\\d s\\s+${id}\\s`);
    const totals = lines.filter((l) => intervalLine('all').test(l));
    expect(totals.length).toBeGreaterThanOrEqual(2);
    for (const id of ['0', '1']) {
      const own = lines.filter((l) => intervalLine(id).test(l));
      expect(own).toHaveLength(totals.length);
      for (const line of own) expect(line).toMatch(/ -> 127\.0\.0\.1:\d+\s+\d+\.\d\d\s+\d+\.\d\s+\d+\s+\d+%\s+\d+\s+(validating|active|backup|failed|closed)$/);
    }
    expect(lines.filter((l) => intervalLine('0').test(l))[0]).toContain('127.0.0.1:');
    expect(lines.filter((l) => intervalLine('1').test(l))[0]).toContain('127.0.0.2:');

    const summary = lines.findIndex((l) => l.startsWith('summary: '));
    expect(summary).toBeGreaterThan(0);
    expect(lines[summary + 1]).toMatch(/^path\s+local -> remote\s+MiB\s+Mbit\/s\s+share\s+retrans KiB\s+lost\s+rtt min\/mean ms\s+link$/);
    expect(lines[summary + 2]).toMatch(/^0\s+127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+%\s+\d+\s+\d+\s+[\d.]+ \/ [\d.]+\s+delay=5ms rate=20mbit$/);
    expect(lines[summary + 3]).toMatch(/^1\s+127\.0\.0\.2:\d+ -> 127\.0\.0\.1:\d+\s+.*delay=10ms rate=20mbit$/);
    expect(lines[summary + 4]).toMatch(/^all\s+\d+\.\d\d\s+\d+\.\d\d\s+100%/);
    expect(lines[summary + 5]).toMatch(/^goodput \d+\.\d\d Mbit\/s: \d+\.\d\d MiB delivered in order in \d+\.\d\d s$/);
  });

  it('prints its usage on stdout with --help and exits 0; a bad SPEC is one line on stderr and exit 2', () => {
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: mpt bench \[HOST:PORT\]/);
    expect(help.stdout).toContain('--path SPEC');
    expect(help.stderr).toBe('');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("mpt bench: --path delay: '20' needs a unit (us, ms, s)\ntry 'mpt bench --help'\n");
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });
});

/** Captured streams, and the Ctrl-C handler the command installs. */
function captureIo(): BenchIo & { stdout: string; stderr: string; interrupt: (() => void) | undefined; onOut?: ((text: string) => void) | undefined } {
  const io = {
    stdout: '',
    stderr: '',
    interrupt: undefined as (() => void) | undefined,
    onOut: undefined as ((text: string) => void) | undefined,
    isTty: false,
    env: {},
    out(text: string) {
      io.stdout += text;
      io.onOut?.(text);
    },
    err(text: string) {
      io.stderr += text;
    },
    onInterrupt(handler: () => void) {
      io.interrupt = handler;
      return () => {
        io.interrupt = undefined;
      };
    },
  };
  return io;
}

describe('mpt bench, remote mode, in this process', () => {
  let server: MptServer;
  let target: string;
  beforeAll(async () => {
    // A sink, as `mpt serve --mode sink`: reads and discards, and ends when the client ends.
    server = createServer((socket) => {
      socket.resume();
      socket.on('error', () => undefined);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    target = `127.0.0.1:${server.address()!.port}`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('benches a sink server with its key pinned and reports it in JSON', async () => {
    const key = Buffer.from(server.publicKey).toString('hex');
    const io = captureIo();
    const code = await runBenchCommand([target, '--time', '0.5', '--server-key', key, '--json'], io);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(io.stdout) as JsonDoc;
    expect(doc).toMatchObject({ version: 1, mode: 'remote', server: target, serverKey: key, outcome: 'complete' });
    expect(doc.paths.length).toBeGreaterThanOrEqual(1);
    expect(doc.paths[0]!.spec).toBeUndefined();
    expect(doc.paths[0]!.remote).toBe(target);
    expect(doc.totalBytes).toBeGreaterThan(0);
    expect(doc.deliveredBytes).toBe(doc.totalBytes);
    expect(io.interrupt).toBeUndefined();
  });

  it('ends early on Ctrl-C and still prints the summary', async () => {
    const io = captureIo();
    io.onOut = (text) => {
      if (text.includes('interval')) setTimeout(() => io.interrupt?.(), 200);
    };
    const code = await runBenchCommand([target, '--time', '60'], io);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/^mpt bench: remote mode, sending for 60 s to 127\.0\.0\.1:\d+\n/);
    expect(io.stdout).toMatch(/\nconnected in [\d.]+ ms, server key [0-9a-f]{64}\n/);
    expect(io.stdout).toMatch(/\nsummary: [\d.]+ s from the first byte sent to the last delivered \(sent for [\d.]+ s, stopped by Ctrl-C\)/);
    expect(io.stdout).toMatch(/\ngoodput [\d.]+ Mbit\/s: [\d.]+ MiB delivered in order/);
  });

  it('gives up at a Ctrl-C during the handshake: one line, exit 130', async () => {
    // A UDP port that takes datagrams and never answers: the handshake waits.
    const silent = createSocket('udp4');
    const port = await new Promise<number>((done) => silent.bind(0, '127.0.0.1', () => done(silent.address().port)));
    try {
      const io = captureIo();
      io.onOut = (text) => {
        if (text.startsWith('mpt bench: remote mode')) setTimeout(() => io.interrupt?.(), 100);
      };
      const code = await runBenchCommand([`127.0.0.1:${port}`], io);
      expect(code).toBe(130);
      expect(io.stdout).toBe(`mpt bench: remote mode, sending for 10 s to 127.0.0.1:${port}\n`);
      expect(io.stderr).toBe('mpt bench: interrupted before the connection was up\n');
    } finally {
      silent.close();
    }
  });

  it('reports a refused connection as one line with its code, exit 1', async () => {
    const probe = createSocket('udp4');
    const port = await new Promise<number>((done) => probe.bind(0, '127.0.0.1', () => done(probe.address().port)));
    await new Promise<void>((done) => probe.close(() => done()));
    const io = captureIo();
    const code = await runBenchCommand([`127.0.0.1:${port}`, '--time', '1', '--json'], io);
    expect(code).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/^mpt bench: .+ \(ECONNREFUSED\)\n$/);
  });
});
