import { describe, expect, it } from 'vitest';
import { PACING_GAIN, PACING_QUANTUM_MS, Pacer, initialWindowBytes, pacingRateBytesPerMs } from '../../src/cc/index.js';

const MDS = 1200;
const CWND = 120_000; // 100 datagrams
const SRTT = 100; // ms
// 1.25 * 120000 / 100 = 1500 B/ms, so one 1200 B datagram every 0.8 ms.
const RATE = 1500;
const INTERVAL_MS = 0.8;

describe('pacing rate (RFC 9002 §7.7)', () => {
  it('is 1.25 * cwnd / smoothed_rtt', () => {
    expect(PACING_GAIN).toBe(1.25);
    expect(pacingRateBytesPerMs(CWND, SRTT)).toBe(RATE);
  });
});

describe('Pacer', () => {
  it('does not pace before the first RTT sample', () => {
    const p = new Pacer(MDS);
    for (let i = 0; i < 100; i++) {
      expect(p.timeUntilSendMs(0, MDS, CWND, undefined)).toBe(0);
      p.onPacketSent(0, MDS, CWND, undefined);
    }
  });

  it('lets a burst of one initial window out, then spaces packets at bytes / rate', () => {
    const p = new Pacer(MDS);
    expect(p.burstBytes).toBe(12_000);
    for (let i = 0; i < 10; i++) {
      expect(p.timeUntilSendMs(0, MDS, CWND, SRTT)).toBe(0);
      p.onPacketSent(0, MDS, CWND, SRTT);
    }
    let now = 0;
    for (let i = 0; i < 20; i++) {
      const wait = p.timeUntilSendMs(now, MDS, CWND, SRTT);
      expect(wait).toBeCloseTo(INTERVAL_MS, 9);
      expect(p.timeUntilSendMs(now + wait / 2, MDS, CWND, SRTT)).toBeCloseTo(INTERVAL_MS / 2, 9);
      now += wait;
      expect(p.timeUntilSendMs(now, MDS, CWND, SRTT)).toBe(0);
      p.onPacketSent(now, MDS, CWND, SRTT);
    }
    expect(now).toBeCloseTo(20 * INTERVAL_MS, 9);
  });

  it('refills to one burst after an idle period, no more', () => {
    const p = new Pacer(MDS);
    for (let i = 0; i < 10; i++) p.onPacketSent(0, MDS, CWND, SRTT);
    let sent = 0;
    while (p.timeUntilSendMs(10_000, MDS, CWND, SRTT) === 0) {
      p.onPacketSent(10_000, MDS, CWND, SRTT);
      sent++;
    }
    expect(sent).toBe(10);
  });

  for (const roundUp of [false, true]) {
    it(`holds the long-run rate at 1.25 * cwnd / srtt within 1%${roundUp ? ' with a 1 ms timer' : ''}`, () => {
      const p = new Pacer(MDS);
      let now = 0;
      let sentBytes = 0;
      // Drain the initial burst first; measure the steady state.
      while (p.timeUntilSendMs(now, MDS, CWND, SRTT) === 0) p.onPacketSent(now, MDS, CWND, SRTT);
      const startMs = now;
      for (let i = 0; i < 5000; i++) {
        const wait = p.timeUntilSendMs(now, MDS, CWND, SRTT);
        now += roundUp ? Math.ceil(wait) : wait;
        while (p.timeUntilSendMs(now, MDS, CWND, SRTT) === 0) {
          p.onPacketSent(now, MDS, CWND, SRTT);
          sentBytes += MDS;
        }
      }
      const rate = sentBytes / (now - startMs);
      expect(Math.abs(rate / RATE - 1)).toBeLessThan(0.01);
    });
  }

  it('follows the window and RTT it is given', () => {
    const p = new Pacer(MDS);
    for (let i = 0; i < 10; i++) p.onPacketSent(0, MDS, CWND, SRTT);
    // Half the window: half the rate, twice the interval.
    expect(p.timeUntilSendMs(0, MDS, CWND / 2, SRTT)).toBeCloseTo(2 * INTERVAL_MS, 9);
    // Twice the RTT likewise.
    expect(p.timeUntilSendMs(0, MDS, CWND, 2 * SRTT)).toBeCloseTo(2 * INTERVAL_MS, 9);
  });

  it('lets a packet larger than the burst go once the bucket is full', () => {
    const p = new Pacer(MDS);
    p.onPacketSent(0, 12_000, CWND, SRTT); // empties the bucket
    expect(p.timeUntilSendMs(0, 20_000, CWND, SRTT)).toBeCloseTo(12_000 / RATE, 9);
    expect(p.timeUntilSendMs(12_000 / RATE, 20_000, CWND, SRTT)).toBe(0);
  });

  it('scales the burst with the datagram size', () => {
    const p = new Pacer(MDS);
    p.onMtuUpdate(1500);
    expect(p.burstBytes).toBe(14_720);
  });
});

describe('pacing quantum', () => {
  it('lets a fast path send a millisecond of its rate per wake-up, not just one initial window', () => {
    const mds = 1452;
    const pacer = new Pacer(mds);
    const cwnd = 2_000_000; // 2 MB over a 1 ms RTT: 2.5 MB/ms paced, far above 10 datagrams per ms
    const srtt = 1;
    // Drain the bucket, then wait one timer tick.
    let now = 0;
    while (pacer.timeUntilSendMs(now, mds, cwnd, srtt) === 0) pacer.onPacketSent(now, mds, cwnd, srtt);
    now += PACING_QUANTUM_MS;
    let burst = 0;
    while (pacer.timeUntilSendMs(now, mds, cwnd, srtt) === 0) {
      pacer.onPacketSent(now, mds, cwnd, srtt);
      burst += mds;
    }
    const rate = pacingRateBytesPerMs(cwnd, srtt);
    expect(burst).toBeGreaterThan(0.99 * rate * PACING_QUANTUM_MS - mds);
    expect(burst).toBeGreaterThan(10 * initialWindowBytes(mds));
  });

  it('keeps the initial-window burst on slow paths', () => {
    const pacer = new Pacer(1200);
    expect(pacer.timeUntilSendMs(0, 1200, 12_000, 100)).toBe(0);
    let sent = 0;
    while (pacer.timeUntilSendMs(0, 1200, 12_000, 100) === 0) {
      pacer.onPacketSent(0, 1200, 12_000, 100);
      sent++;
    }
    expect(sent).toBe(10);
  });
});
