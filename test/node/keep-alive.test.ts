// KeepAlive: how setKeepAlive() combines with the liveness PINGs a connection started with (the interval
// handed to the connection), without a network.
import { describe, expect, test } from 'vitest';
import type { Connection } from '../../src/core/connection.js';
import type { EndpointDriver } from '../../src/node/driver.js';
import { DEFAULT_KEEPALIVE_MS, KeepAlive } from '../../src/node/keep-alive.js';

/** A connection and driver that record what the KeepAlive hands them. */
function fakes(): { connection: Connection; driver: EndpointDriver; intervals: number[]; schedules: () => number } {
  const intervals: number[] = [];
  let scheduled = 0;
  const connection = { setKeepAlive: (_nowMs: number, intervalMs: number) => void intervals.push(intervalMs) } as unknown as Connection;
  const driver = { now: () => 0, schedule: () => void scheduled++ } as unknown as EndpointDriver;
  return { connection, driver, intervals, schedules: () => scheduled };
}

describe('KeepAlive', () => {
  test('nothing is applied until setKeepAlive() was called, nor before the connection exists', () => {
    const f = fakes();
    const k = new KeepAlive();
    k.setLiveness(10_000);
    k.apply(f.connection, f.driver);
    expect(f.intervals).toEqual([]);
    k.set(true, 5_000);
    k.apply(undefined, f.driver);
    expect(f.intervals).toEqual([]);
  });

  test.each<[string, boolean, number, number, number]>([
    ['the asked delay without liveness PINGs', true, 5_000, 0, 5_000],
    ['the default when no delay is named', true, 0, 0, DEFAULT_KEEPALIVE_MS],
    ['the shorter of the asked delay and the liveness interval', true, 20_000, 10_000, 10_000],
    ['the asked delay when shorter than the liveness interval', true, 5_000, 10_000, 5_000],
    ['the liveness interval again when disabled', false, 5_000, 10_000, 10_000],
    ['no PINGs when disabled without liveness PINGs', false, 0, 0, 0],
  ])('%s', (_name, enable, delayMs, livenessMs, expected) => {
    const f = fakes();
    const k = new KeepAlive();
    k.setLiveness(livenessMs);
    k.set(enable, delayMs);
    k.apply(f.connection, f.driver);
    expect(f.intervals).toEqual([expected]);
    expect(f.schedules()).toBe(1);
  });
});
