/** `mpt demo`: runs the demo with live per-path progress on the terminal. */
import type { MptPathInfo } from '../../index.js';
import { formatAddress } from '../../core/socket-address.js';
import { runDemo } from './run-demo.js';

const MiB = 1024 * 1024;

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return '#'.repeat(filled) + '.'.repeat(width - filled);
}

function pathLine(p: MptPathInfo, total: number): string {
  const sent = p.bytesSent - p.bytesRetransmitted;
  return [
    `  path ${p.id} ${`${formatAddress(p.local)} -> ${formatAddress(p.remote)}`.padEnd(34)}`,
    `[${bar(sent / total, 24)}]`,
    `${(sent / MiB).toFixed(1).padStart(6)} MiB`,
    `srtt ${p.srttMs.toFixed(2).padStart(6)} ms`,
    `cwnd ${(p.cwndBytes / 1024).toFixed(0).padStart(6)} KiB`,
    `mtu ${String(p.mtuBytes).padStart(5)}`,
    `lost ${String(p.packetsLost).padStart(4)}`,
    p.status.padEnd(10),
  ].join('  ');
}

/** Runs the demo on `bytes` bytes, prints the summary; returns the exit code. */
export async function runDemoCli(bytes: number): Promise<number> {
  const tty = process.stdout.isTTY === true;
  let drawn = 0;
  const draw = (paths: readonly MptPathInfo[], delivered: number): void => {
    const lines = paths.map((p) => pathLine(p, bytes));
    lines.push(`  delivered in order: ${(delivered / MiB).toFixed(1)} / ${(bytes / MiB).toFixed(1)} MiB`);
    if (tty && drawn > 0) process.stdout.write(`\x1b[${drawn}A`);
    process.stdout.write(lines.map((l) => (tty ? `${l}\x1b[K` : l)).join('\n') + '\n');
    drawn = lines.length;
    if (!tty) process.stdout.write('\n');
  };
  process.stdout.write(
    `mpt demo: ${(bytes / MiB).toFixed(0)} MiB from client to server over loopback UDP, Noise XX, every packet sealed,\n` +
      `  path A (127.0.0.1, link emulator: 5 ms one way, 200 Mbit/s) and path B (127.0.0.2, link emulator: 15 ms one way, 100 Mbit/s)\n\n`,
  );
  const s = await runDemo({ bytes, onProgress: draw, progressIntervalMs: tty ? 100 : 500 });
  const seconds = s.transferMs / 1000;
  const lost = s.paths.reduce((n, p) => n + p.packetsLost, 0);
  const resent = s.paths.reduce((n, p) => n + p.bytesRetransmitted, 0);
  const out = [
    '',
    `handshake   ${s.handshakeMs.toFixed(1)} ms; server key learned and matches the server's: ${s.serverKeyVerified ? 'yes' : 'NO'}`,
    `transfer    ${(s.bytes / MiB).toFixed(1)} MiB in ${seconds.toFixed(2)} s = ${((s.bytes * 8) / seconds / 1e6).toFixed(0)} Mbit/s`,
    ...s.paths.map((p, i) => {
      const link = s.links[i];
      const carried = link === undefined ? '' : `, link ${link.name} delivered ${(link.bytesToServer / MiB).toFixed(1)} MiB to the server`;
      return `  path ${p.id}    srtt ${p.srttMs.toFixed(2)} ms (min ${p.minRttMs.toFixed(2)}), datagrams up to ${p.mtuBytes} B, ${p.packetsSent} packets sent${carried}`;
    }),
    `recovery    ${lost} packets lost, ${(resent / 1024).toFixed(0)} KiB retransmitted`,
    `integrity   sha256 sent ${s.sentSha256.slice(0, 16)}… received ${s.receivedSha256.slice(0, 16)}… ${s.sentSha256 === s.receivedSha256 ? 'equal' : 'DIFFERENT'}`,
    '',
    s.singlePathReason !== undefined
      ? `One path: ${s.singlePathReason}.`
      : `Two paths carried the stream; link A went down after ${((s.linkADownAtBytes ?? 0) / MiB).toFixed(1)} MiB and path B carried the rest to the end, intact.`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  return s.sentSha256 === s.receivedSha256 && s.serverKeyVerified ? 0 : 1;
}
