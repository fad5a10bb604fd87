// The text output from a made-up run: a line per path and a total per interval, the summary table
// with each path's link, the goodput line in each outcome, and the TCP comparison.
import { describe, expect, it } from 'vitest';
import { intervalHeading, intervalLines, sendingStoppedLine, summaryLines } from '../../../src/cli/bench/bench-report.js';
import { benchStyle } from '../../../src/cli/bench/bench-style.js';
import { REPORT, RUN } from './report-fixture.js';

const plain = benchStyle(false, {});

describe('interval lines', () => {
  it('gives each path its line, then the total, under aligned headings', () => {
    const heading = intervalHeading(plain);
    const lines = intervalLines(RUN.intervals[1]!, plain);
    expect(lines).toEqual([
      '      1.00-2.50 s  0     127.0.0.1:5000 -> 127.0.0.1:6000         8.00     12.0        64   100%     0  active',
      '      1.00-2.50 s  1     127.0.0.2:5001 -> 127.0.0.1:6001         0.00     20.5        32     0%     2  closed',
      '      1.00-2.50 s  all                                            8.00                      100%     2',
    ]);
    // Each figure ends where its heading ends; the status starts where its heading starts.
    for (const column of ['interval', 'Mbit/s', 'rtt ms', 'cwnd KiB', 'share', 'lost']) {
      const end = heading.indexOf(column) + column.length;
      for (const line of lines.slice(0, 2)) expect([line[end - 1] !== ' ', line[end] ?? ' ']).toEqual([true, ' ']);
    }
    for (const column of ['Mbit/s', 'share', 'lost']) expect(lines[2]![heading.indexOf(column) + column.length - 1]).not.toBe(' ');
    expect(lines[0]!.indexOf('active')).toBe(heading.indexOf('status'));
    expect(sendingStoppedLine(2)).toMatch(/^ {2}sending stopped at 2\.00 s/);
  });

  it('marks a failed or closed path in red on a terminal', () => {
    const [, closed] = intervalLines(RUN.intervals[1]!, benchStyle(true, {}));
    expect(closed).toMatch(/\x1b\[31mclosed\x1b\[39m$/);
  });
});

describe('summary lines', () => {
  it('shows the table, the goodput and the TCP comparison', () => {
    const lines = summaryLines(REPORT, plain);
    expect(lines).toEqual([
      '',
      'summary: 2.50 s from the first byte sent to the last delivered (sent for 2.00 s), handshake 3.1 ms',
      'path  local -> remote                            MiB   Mbit/s  share  retrans KiB   lost  rtt min/mean ms  link',
      '0     127.0.0.1:5000 -> 127.0.0.1:6000          2.86     9.60    75%            2      1  10.1 / 11.6      delay=5ms rate=20mbit',
      '1     127.0.0.2:5001 -> 127.0.0.1:6001          0.95     3.20    25%            0      2  - / -            loss=1%',
      'all                                             3.81    12.80   100%            2      3',
      'goodput 12.80 Mbit/s: 3.81 MiB delivered in order in 2.50 s',
      '',
      'compared with TCP (node:net over plain loopback, not through the emulated links), 2.00 s',
      '               MiB     Mbit/s',
      'mpt           3.81      12.80',
      'tcp          95.37     400.00',
      'mpt/tcp      0.032',
    ]);
  });

  it('says when sending was cut short, and when delivery is unknown or incomplete', () => {
    const interrupted = summaryLines({ ...REPORT, tcp: undefined, run: { ...RUN, interrupted: true } }, plain);
    expect(interrupted[1]).toContain('(sent for 2.00 s, stopped by Ctrl-C)');
    expect(interrupted.at(-1)).toMatch(/^goodput 12\.80 Mbit\/s/);
    const unknown = summaryLines({ ...REPORT, tcp: undefined, run: { ...RUN, deliveredBytes: null, goodputMbps: null, outcome: 'timeout' } }, plain);
    expect(unknown.at(-1)).toBe('goodput unknown: the server did not confirm delivery (gave up waiting for the rest)');
    const abandoned = summaryLines({ ...REPORT, tcp: undefined, run: { ...RUN, deliveredBytes: 1_048_576, goodputMbps: 3.36, outcome: 'abandoned' } }, plain);
    expect(abandoned.at(-1)).toBe('goodput 3.36 Mbit/s: 1.00 MiB delivered in order in 2.50 s (stopped waiting for the rest)');
  });
});
