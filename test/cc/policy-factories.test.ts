// Congestion control and schedulers given as factories, through the public API (`mpt` and `mpt/sim`):
// the engine makes each connection's group and scheduler from them and runs them, as it runs the
// built-ins it makes from names. Each custom policy leaves a mark the test reads (calls counted, a
// capped window that slows the transfer, paths ranked the other way round), so a factory the engine
// ignored would fail here.
import { describe, expect, test } from 'vitest';
import { createCongestionGroup, createScheduler, fullmesh, type CongestionController, type CongestionGroup, type Scheduler, type SchedulerPath, type TransportConfig } from 'mpt';
import { simulateConnection, type SimulatedLink } from 'mpt/sim';

const SERVER = { host: '10.9.9.9', port: 443 };
const FAST = { host: '10.0.0.1', port: 40_000 };
const SLOW = { host: '10.0.1.1', port: 40_000 };
const BYTES = 1_000_000;
/** The capped controller's window: four full packets. */
const CAP_BYTES = 4 * 1200;

function pattern(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 7 + (i >>> 9)) & 0xff;
  return out;
}

/** Sends BYTES from the client over the given setup and returns the virtual ms it took and the connection. */
function transfer(transport: Partial<TransportConfig>, addresses = [FAST], links?: readonly SimulatedLink[]) {
  const pathManager = addresses.length > 1 ? fullmesh() : undefined;
  const c = simulateConnection({ seed: 3, client: { addresses, transport, pathManager }, server: { addresses: [SERVER] }, links });
  c.establish();
  c.runUntil(() => c.client.paths().filter((p) => p.state === 'active').length === addresses.length, 10_000);
  const data = pattern(BYTES);
  const startMs = c.sim.nowMs;
  c.client.write(data);
  c.client.end();
  c.runUntil(() => c.server.readEnded, 120_000);
  expect(Buffer.compare(Buffer.from(c.server.received()), Buffer.from(data))).toBe(0);
  return { ms: c.sim.nowMs - startMs, c };
}

/** Calls into a custom congestion control, counted. */
interface CcCalls {
  groups: number;
  controllers: number;
  acks: number;
}

/** Reno with its window capped at CAP_BYTES, every call counted in `calls`. */
function cappedReno(calls: CcCalls): CongestionGroup {
  const reno = createCongestionGroup('reno');
  return {
    createController(info): CongestionController {
      calls.controllers++;
      const inner = reno.createController(info);
      return {
        get cwnd() {
          return Math.min(inner.cwnd, CAP_BYTES);
        },
        get ssthresh() {
          return inner.ssthresh;
        },
        onPacketSent: (nowMs, bytes, inFlight) => inner.onPacketSent(nowMs, bytes, inFlight),
        onAck: (nowMs, sentAtMs, bytes, rtt, appLimited) => {
          calls.acks++;
          inner.onAck(nowMs, sentAtMs, bytes, rtt, appLimited);
        },
        onCongestionEvent: (nowMs, sentAtMs, lost, persistent) => inner.onCongestionEvent(nowMs, sentAtMs, lost, persistent),
        onMtuUpdate: (size) => inner.onMtuUpdate(size),
        close: () => inner.close(),
      };
    },
  };
}

describe('congestion control by factory', () => {
  test('a function makes each connection its group, whose controllers run every path: the capped window paces the transfer', () => {
    const calls: CcCalls = { groups: 0, controllers: 0, acks: 0 };
    const capped = transfer({
      congestionControl: () => {
        calls.groups++;
        return cappedReno(calls);
      },
    });
    const plain = transfer({ congestionControl: 'reno' });
    // One connection at the client (the server runs its own default); one path.
    expect(calls.groups).toBe(1);
    expect(calls.controllers).toBe(1);
    expect(calls.acks).toBeGreaterThan(100);
    // 20 ms round trips with about CAP_BYTES in flight (a path sends while below its window, so one
    // packet more): about CAP_BYTES + 1452 per round trip at best.
    expect(capped.ms).toBeGreaterThan((BYTES / (CAP_BYTES + 1452)) * 20 * 0.9);
    expect(capped.ms).toBeGreaterThan(3 * plain.ms);
    console.log(`1 MB over one 10 ms path: reno ${plain.ms} ms, reno capped at ${CAP_BYTES} B ${capped.ms} ms`);
  });

  test('a group object serves as the factory itself', () => {
    const calls: CcCalls = { groups: 0, controllers: 0, acks: 0 };
    const { ms } = transfer({ congestionControl: cappedReno(calls) });
    expect(calls.controllers).toBe(1);
    expect(calls.acks).toBeGreaterThan(100);
    expect(ms).toBeGreaterThan((BYTES / (CAP_BYTES + 1452)) * 20 * 0.9);
  });

  test('a function that throws leaves the connection with the default, and the transfer completes', () => {
    const { ms } = transfer({
      congestionControl: () => {
        throw new Error('broken policy');
      },
    });
    expect(ms).toBeGreaterThan(0);
  });
});

/** Calls into a custom scheduler, counted. */
interface SchedulerCalls {
  schedulers: number;
  orders: number;
  /** Calls of probeMayCarryData. */
  probes: number;
  /** Of those, the answers false (the probe carried no stream data). */
  withheld: number;
}

/** minRTT with every call to its reinjection rule counted, and the answers that kept data off a probe. */
function countingMinRtt(calls: SchedulerCalls): Scheduler {
  calls.schedulers++;
  const inner = createScheduler('minrtt');
  return {
    name: 'counting-minrtt',
    redundant: false,
    order: (paths, out) => {
      calls.orders++;
      inner.order(paths, out);
    },
    carriesData: (path) => inner.carriesData(path),
    onDataSent: (path, endOffset, retransmission) => inner.onDataSent(path, endOffset, retransmission),
    copyFrom: (path) => inner.copyFrom(path),
    probeMayCarryData: (path, paths) => {
      calls.probes++;
      const may = inner.probeMayCarryData(path, paths);
      if (!may) calls.withheld++;
      return may;
    },
  };
}

/** minRTT turned around: stream data only on the slowest path that answers. Counts its calls. */
function slowestOnly(calls: SchedulerCalls): Scheduler {
  calls.schedulers++;
  const inner = createScheduler('minrtt');
  let slowest: SchedulerPath | undefined;
  return {
    name: 'slowest-only',
    redundant: false,
    order<P extends SchedulerPath>(paths: readonly P[], out: P[]): void {
      calls.orders++;
      inner.order(paths, out);
      out.reverse();
      slowest = out.find((p) => inner.carriesData(p));
    },
    carriesData: (path) => path === slowest,
    onDataSent: (path, endOffset, retransmission) => inner.onDataSent(path, endOffset, retransmission),
    copyFrom: (path) => inner.copyFrom(path),
    probeMayCarryData: (path, paths) => {
      calls.probes++;
      return inner.probeMayCarryData(path, paths);
    },
  };
}

describe('schedulers by factory', () => {
  // Two client addresses (fullmesh opens the second path): a 10 ms path and a 40 ms one, each 20 Mbit/s.
  const link = (from: string, delayMs: number): SimulatedLink => {
    const options = { delayMs, rateBps: 20e6, queueBytes: 256 * 1024 };
    return { from, to: SERVER.host, forward: options, reverse: options };
  };
  const links = [link(FAST.host, 10), link(SLOW.host, 40)];
  const slowShare = (c: ReturnType<typeof transfer>['c']): number => {
    const paths = c.client.allPaths();
    const total = paths.reduce((n, p) => n + p.bytesSent, 0);
    return paths.filter((p) => p.local.host === SLOW.host).reduce((n, p) => n + p.bytesSent, 0) / total;
  };

  test("the factory's scheduler decides where data goes", () => {
    const calls: SchedulerCalls = { schedulers: 0, orders: 0, probes: 0, withheld: 0 };
    const custom = transfer(
      {
        maxPaths: 2,
        congestionControl: 'cubic',
        scheduler: () => slowestOnly(calls),
      },
      [FAST, SLOW],
      links,
    );
    const minrtt = transfer({ maxPaths: 2, congestionControl: 'cubic' }, [FAST, SLOW], links);
    expect(calls.schedulers).toBe(1);
    expect(calls.orders).toBeGreaterThan(100);
    console.log(`share of bytes on the 40 ms path: minrtt ${slowShare(minrtt.c).toFixed(3)}, slowest-only ${slowShare(custom.c).toFixed(3)}`);
    expect(slowShare(minrtt.c)).toBeLessThan(0.5);
    expect(slowShare(custom.c)).toBeGreaterThan(0.9);
  });

  test("reinjection is the scheduler's: a silent path's probes ask it whether they may carry data", () => {
    const calls: SchedulerCalls = { schedulers: 0, orders: 0, probes: 0, withheld: 0 };
    const c = simulateConnection({
      seed: 3,
      client: { addresses: [FAST, SLOW], transport: { maxPaths: 2, congestionControl: 'cubic', scheduler: () => countingMinRtt(calls) }, pathManager: fullmesh() },
      server: { addresses: [SERVER] },
      links,
    });
    c.establish();
    c.runUntil(() => c.client.paths().filter((p) => p.state === 'active').length === 2, 10_000);
    const data = pattern(BYTES);
    c.client.write(data);
    c.client.end();
    // The fast path goes silent both ways while it carries the stream: its probe timer fires and the
    // other path answers, so the scheduler withholds data from its probes.
    const fast = c.link(FAST.host, SERVER.host);
    const from = c.sim.nowMs + 50;
    c.sim.blackhole(fast.forward, from, from + 5_000);
    c.sim.blackhole(fast.reverse, from, from + 5_000);
    c.runUntil(() => c.server.readEnded, 60_000);
    expect(Buffer.compare(Buffer.from(c.server.received()), Buffer.from(data))).toBe(0);
    console.log(`reinjection rule asked ${calls.probes} times, data withheld ${calls.withheld} times`);
    expect(calls.probes).toBeGreaterThan(0);
    expect(calls.withheld).toBeGreaterThan(0);
  });
});
