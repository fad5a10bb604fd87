/**
 * The text output of `mpt bench`: a few lines on the setup, a line per path and a total line per
 * interval, and the summary table (with `--tcp`, the comparison). Byte amounts in MiB and KiB,
 * rates in Mbit/s (10^6 bit/s), as iperf3 prints them.
 * @module
 */
import { describeImpairments, type PathSpec } from '../path-spec.js';
import { specOf, tcpRatio, type BenchReport } from './bench-json.js';
import type { BenchInterval } from './bench-sampler.js';
import type { BenchStyle } from './bench-style.js';

const MiB = 1024 * 1024;
const KiB = 1024;
/** Width of the `local -> remote` column. */
const ROUTE_WIDTH = 36;

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function ms(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

/** `0.00-1.00 s`, right-aligned for runs of up to 99 999 s. */
function span(startS: number, endS: number): string {
  return `${startS.toFixed(2)}-${endS.toFixed(2)} s`.padStart(17);
}

/** The lines that open a local run: what runs where. */
export function localSetupLines(specs: readonly PathSpec[], emulatorPorts: readonly number[], seconds: number, sinkPort: number): string[] {
  return [
    `mpt bench: local mode, ${specs.length} path${specs.length === 1 ? '' : 's'}, sending for ${seconds} s to an in-process sink on 127.0.0.1:${sinkPort}`,
    ...specs.map((spec, i) => `  from ${spec.address} through a link emulator on 127.0.0.1:${emulatorPorts[i] ?? 0}: ${describeImpairments(spec)}`),
  ];
}

/** The line that opens a remote run. */
export function remoteSetupLine(server: string, seconds: number, localAddresses: readonly string[]): string {
  const from = localAddresses.length === 0 ? '' : ` from ${localAddresses.join(', ')}`;
  return `mpt bench: remote mode, sending for ${seconds} s to ${server}${from}`;
}

/** The line once connected. */
export function connectedLine(handshakeMs: number, serverKey: string | null, pinned: boolean): string {
  const key = serverKey === null ? '' : `, server key ${serverKey}${pinned ? ' (pinned)' : ''}`;
  return `connected in ${handshakeMs.toFixed(1)} ms${key}`;
}

/** The column headings of the interval lines. */
export function intervalHeading(style: BenchStyle): string {
  return style.heading(
    ['interval'.padStart(17), 'path', 'local -> remote'.padEnd(ROUTE_WIDTH), 'Mbit/s'.padStart(7), 'rtt ms'.padStart(7), 'cwnd KiB'.padStart(8), 'share', 'lost', 'status'].join('  '),
  );
}

/** One line per path, then the total line, for one interval. */
export function intervalLines(interval: BenchInterval, style: BenchStyle): string[] {
  const when = span(interval.startS, interval.endS);
  const lines = interval.paths.map((p) => {
    const status = p.status === 'failed' || p.status === 'closed' ? style.bad(p.status) : p.status;
    return [
      when,
      String(p.id).padEnd(4),
      `${p.local} -> ${p.remote}`.padEnd(ROUTE_WIDTH),
      p.mbps.toFixed(2).padStart(7),
      p.rttMs.toFixed(1).padStart(7),
      (p.cwndBytes / KiB).toFixed(0).padStart(8),
      percent(p.share).padStart(5),
      String(p.lost).padStart(4),
      status,
    ].join('  ');
  });
  const lost = interval.paths.reduce((sum, p) => sum + p.lost, 0);
  lines.push(
    [when, 'all '.padEnd(4), ''.padEnd(ROUTE_WIDTH), interval.totalMbps.toFixed(2).padStart(7), ''.padStart(7), ''.padStart(8), percent(interval.bytes > 0 ? 1 : 0).padStart(5), String(lost).padStart(4)].join('  '),
  );
  return lines;
}

/** The line printed when sending stops: the intervals after it deliver what mpt still had buffered. */
export function sendingStoppedLine(sendS: number): string {
  return `  sending stopped at ${sendS.toFixed(2)} s; what follows is the data still buffered, until the receiver has it all`;
}

/** The summary table, the goodput, and with `--tcp` the comparison. */
export function summaryLines(report: BenchReport, style: BenchStyle): string[] {
  const run = report.run;
  const out: string[] = [
    '',
    style.heading(
      `summary: ${run.durationS.toFixed(2)} s from the first byte sent to the last delivered (sent for ${run.sendS.toFixed(2)} s${run.interrupted ? ', stopped by Ctrl-C' : ''}), handshake ${run.handshakeMs.toFixed(1)} ms`,
    ),
    style.heading(
      ['path', 'local -> remote'.padEnd(ROUTE_WIDTH), 'MiB'.padStart(8), 'Mbit/s'.padStart(7), 'share', 'retrans KiB', 'lost'.padStart(5), 'rtt min/mean ms', 'link'].join('  '),
    ),
  ];
  for (const p of run.paths) {
    const spec = specOf(report.specs, p.localHost);
    out.push(
      [
        String(p.id).padEnd(4),
        `${p.local} -> ${p.remote}`.padEnd(ROUTE_WIDTH),
        (p.bytes / MiB).toFixed(2).padStart(8),
        p.mbps.toFixed(2).padStart(7),
        percent(p.share).padStart(5),
        (p.retransmittedBytes / KiB).toFixed(0).padStart(11),
        String(p.lost).padStart(5),
        `${ms(p.minRttMs)} / ${ms(p.meanRttMs)}`.padEnd(15),
        spec === undefined ? '' : describeImpairments(spec),
      ]
        .join('  ')
        .trimEnd(),
    );
  }
  const retransmitted = run.paths.reduce((sum, p) => sum + p.retransmittedBytes, 0);
  const lost = run.paths.reduce((sum, p) => sum + p.lost, 0);
  const totalMbps = run.paths.reduce((sum, p) => sum + p.mbps, 0);
  out.push(
    [
      'all '.padEnd(4),
      ''.padEnd(ROUTE_WIDTH),
      (run.totalBytes / MiB).toFixed(2).padStart(8),
      totalMbps.toFixed(2).padStart(7),
      percent(run.totalBytes > 0 ? 1 : 0).padStart(5),
      (retransmitted / KiB).toFixed(0).padStart(11),
      String(lost).padStart(5),
    ].join('  '),
  );
  out.push(goodputLine(report));
  if (report.tcp !== undefined) {
    const ratio = tcpRatio(report);
    const goodput = run.goodputMbps;
    out.push(
      '',
      style.heading(`compared with TCP (node:net over plain loopback, not through the emulated links), ${report.tcp.durationS.toFixed(2)} s`),
      style.heading(`         ${'MiB'.padStart(9)}  ${'Mbit/s'.padStart(9)}`),
      `mpt      ${((run.deliveredBytes ?? 0) / MiB).toFixed(2).padStart(9)}  ${(goodput === null ? '-' : goodput.toFixed(2)).padStart(9)}`,
      `tcp      ${(report.tcp.bytes / MiB).toFixed(2).padStart(9)}  ${report.tcp.mbps.toFixed(2).padStart(9)}`,
      `mpt/tcp  ${(ratio === null ? '-' : ratio.toFixed(3)).padStart(9)}`,
    );
  }
  return out;
}

/** The goodput line: what the receiver got in order, or why that is unknown. */
function goodputLine(report: BenchReport): string {
  const run = report.run;
  const done = run.outcome === 'complete' ? '' : run.outcome === 'timeout' ? ' (gave up waiting for the rest)' : ' (stopped waiting for the rest)';
  if (run.deliveredBytes === null || run.goodputMbps === null) {
    return `goodput unknown: the server did not confirm delivery${done}`;
  }
  return `goodput ${run.goodputMbps.toFixed(2)} Mbit/s: ${(run.deliveredBytes / MiB).toFixed(2)} MiB delivered in order in ${run.durationS.toFixed(2)} s${done}`;
}
