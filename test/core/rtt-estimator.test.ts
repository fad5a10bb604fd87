import { describe, expect, it } from 'vitest';
import { DEFAULT_INITIAL_RTT_MS, RttEstimator } from '../../src/core/rtt-estimator.js';

describe('RttEstimator (RFC 9002 §5)', () => {
  it('starts from the initial RTT: smoothed 333, rttvar 166.5, PTO base 333 + 666 + 25', () => {
    const rtt = new RttEstimator();
    expect(rtt.initialRttMs).toBe(DEFAULT_INITIAL_RTT_MS);
    expect(rtt.smoothedRttMs).toBe(333);
    expect(rtt.rttVarMs).toBe(166.5);
    expect(rtt.hasSample).toBe(false);
    expect(rtt.minRttMs).toBe(Infinity);
    expect(rtt.ptoBaseMs(25)).toBe(1024);
  });

  it('honours a configured initial RTT', () => {
    const rtt = new RttEstimator(100);
    expect(rtt.smoothedRttMs).toBe(100);
    expect(rtt.rttVarMs).toBe(50);
    expect(rtt.ptoBaseMs(0)).toBe(300);
  });

  it('seeds everything from the first sample and ignores its ack delay', () => {
    const rtt = new RttEstimator();
    rtt.update(100, 10, 25, true, 1000);
    expect(rtt.latestRttMs).toBe(100);
    expect(rtt.smoothedRttMs).toBe(100);
    expect(rtt.rttVarMs).toBe(50);
    expect(rtt.minRttMs).toBe(100);
    expect(rtt.firstSampleAtMs).toBe(1000);
  });

  it('subtracts the ack delay when the result stays >= min_rtt (hand-computed EWMA)', () => {
    const rtt = new RttEstimator();
    rtt.update(100, 0, 25, true, 0);
    // adjusted = 120 - 10 = 110; rttvar = 3/4 * 50 + 1/4 * |100 - 110| = 40; srtt = 7/8 * 100 + 1/8 * 110 = 101.25
    rtt.update(120, 10, 25, true, 1);
    expect(rtt.rttVarMs).toBe(40);
    expect(rtt.smoothedRttMs).toBe(101.25);
    expect(rtt.minRttMs).toBe(100);
    // 105 < min_rtt 100 + delay 10, so the delay is not subtracted: adjusted = 105
    // rttvar = 30 + 1/4 * 3.75 = 30.9375; srtt = 88.59375 + 13.125 = 101.71875
    rtt.update(105, 10, 25, true, 2);
    expect(rtt.rttVarMs).toBe(30.9375);
    expect(rtt.smoothedRttMs).toBe(101.71875);
    // PTO base = 101.71875 + 4 * 30.9375 + 25
    expect(rtt.ptoBaseMs(25)).toBe(250.46875);
  });

  it('caps the ack delay at max_ack_delay only once the handshake is confirmed', () => {
    const confirmed = new RttEstimator();
    confirmed.update(100, 0, 25, true, 0);
    confirmed.update(200, 50, 25, true, 1); // delay capped to 25 -> adjusted 175
    expect(confirmed.smoothedRttMs).toBe(0.875 * 100 + 0.125 * 175);
    const unconfirmed = new RttEstimator();
    unconfirmed.update(100, 0, 25, false, 0);
    unconfirmed.update(200, 50, 25, false, 1); // full delay -> adjusted 150
    expect(unconfirmed.smoothedRttMs).toBe(0.875 * 100 + 0.125 * 150);
  });

  it('min RTT ignores ack delay and only goes down', () => {
    const rtt = new RttEstimator();
    rtt.update(50, 0, 25, true, 0);
    rtt.update(40, 30, 25, true, 1);
    expect(rtt.minRttMs).toBe(40);
    rtt.update(80, 0, 25, true, 2);
    expect(rtt.minRttMs).toBe(40);
  });

  it('uses the timer granularity when rttvar is tiny', () => {
    const rtt = new RttEstimator();
    rtt.update(10, 0, 25, true, 0);
    for (let i = 0; i < 200; i++) rtt.update(10, 0, 25, true, i);
    expect(rtt.rttVarMs).toBeLessThan(0.25);
    expect(rtt.ptoBaseMs(0)).toBeCloseTo(10 + 1, 9);
  });

  it('clamps a negative sample (clock step) to 0 and resets to the initial state', () => {
    const rtt = new RttEstimator(200);
    rtt.update(-5, 0, 25, true, 0);
    expect(rtt.latestRttMs).toBe(0);
    rtt.reset();
    expect(rtt.hasSample).toBe(false);
    expect(rtt.smoothedRttMs).toBe(200);
    expect(rtt.rttVarMs).toBe(100);
  });
});
