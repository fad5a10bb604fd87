/**
 * A bench run as the command shows it: {@link runBench} with, in text mode, the connected line, the
 * interval lines as each interval closes, and the line that marks the end of sending (after the
 * interval in which sending stopped).
 * @module
 */
import type { MptConnectOptions } from '../../index.js';
import type { BenchSettings } from './bench-args.js';
import type { BenchIo } from './bench-io.js';
import { connectedLine, intervalHeading, intervalLines, sendingStoppedLine } from './bench-report.js';
import { runBench, type BenchRunResult } from './bench-run.js';
import type { BenchStyle } from './bench-style.js';
import type { Delivery } from './delivery.js';
import type { Interrupts } from './interrupts.js';
import { formatKey } from './server-key.js';

/** An interval that ends this close before the end of sending (timers firing in either order) still counts as the one it fell in, s. */
const STOP_SLACK_S = 0.01;

/** What every part of the command shares. */
export interface BenchContext {
  /** The parsed command line. */
  readonly settings: BenchSettings;
  /** Ctrl-C. */
  readonly interrupts: Interrupts;
  /** Streams and environment. */
  readonly io: BenchIo;
  /** Text styling. */
  readonly style: BenchStyle;
}

/** Runs the bench over `connectOptions`, printing as it goes in text mode; see {@link runBench}. */
export function liveRun(context: BenchContext, connectOptions: MptConnectOptions, delivery: Delivery | undefined): Promise<BenchRunResult | undefined> {
  const { settings, interrupts, io, style } = context;
  const text = !settings.json;
  // The end of sending is told after the interval it fell in, so the lines keep their time order.
  let stoppedAtS: number | undefined;
  let lastEndS = 0;
  return runBench({
    connect: connectOptions,
    seconds: settings.seconds,
    delivery,
    stop: interrupts.stop.signal,
    abandon: interrupts.abandon.signal,
    onConnected: text
      ? (socket, handshakeMs) => {
          const key = socket.remotePublicKey === undefined ? null : formatKey(socket.remotePublicKey);
          io.out(`${connectedLine(handshakeMs, key, settings.serverKey !== undefined)}\n\n${intervalHeading(style)}\n`);
        }
      : undefined,
    onSendingStopped: text
      ? (sendS) => {
          if (lastEndS >= sendS - STOP_SLACK_S) io.out(`${sendingStoppedLine(sendS)}\n`);
          else stoppedAtS = sendS;
        }
      : undefined,
    onInterval: text
      ? (interval) => {
          io.out(`${intervalLines(interval, style).join('\n')}\n`);
          lastEndS = interval.endS;
          if (stoppedAtS !== undefined && interval.endS >= stoppedAtS - STOP_SLACK_S) {
            io.out(`${sendingStoppedLine(stoppedAtS)}\n`);
            stoppedAtS = undefined;
          }
        }
      : undefined,
  });
}
