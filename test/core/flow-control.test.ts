import { describe, expect, it } from 'vitest';
import { DEFAULT_INITIAL_WINDOW_BYTES, DEFAULT_MAX_WINDOW_BYTES, ReceiveFlowControl } from '../../src/core/flow-control.js';

const KiB = 1024;

describe('ReceiveFlowControl', () => {
  it('advertises the initial window and rejects data beyond it', () => {
    const fc = new ReceiveFlowControl();
    expect(fc.maxDataOffset).toBe(DEFAULT_INITIAL_WINDOW_BYTES);
    expect(fc.maxWindowBytes).toBe(DEFAULT_MAX_WINDOW_BYTES);
    expect(fc.onDataReceived(DEFAULT_INITIAL_WINDOW_BYTES)).toBe(true);
    expect(fc.onDataReceived(DEFAULT_INITIAL_WINDOW_BYTES + 1)).toBe(false);
    expect(fc.highestReceivedOffset).toBe(DEFAULT_INITIAL_WINDOW_BYTES);
  });

  it('sends MAX_DATA once half the window is consumed', () => {
    const fc = new ReceiveFlowControl({ initialWindowBytes: 100 * KiB, maxWindowBytes: 100 * KiB });
    fc.onConsumed(49 * KiB);
    expect(fc.shouldSendMaxData).toBe(false);
    expect(fc.pollMaxData(0, 50)).toBeUndefined();
    fc.onConsumed(1 * KiB);
    expect(fc.shouldSendMaxData).toBe(true);
    expect(fc.pollMaxData(0, 50)).toBe(150 * KiB);
    expect(fc.maxDataOffset).toBe(150 * KiB);
    expect(fc.shouldSendMaxData).toBe(false);
  });

  it('doubles the window when updates come within two RTTs, up to the maximum', () => {
    const fc = new ReceiveFlowControl({ initialWindowBytes: 100 * KiB, maxWindowBytes: 300 * KiB });
    fc.onConsumed(50 * KiB);
    expect(fc.pollMaxData(0, 50)).toBe(150 * KiB); // first update: nothing to compare with
    expect(fc.windowBytes).toBe(100 * KiB);
    fc.onConsumed(50 * KiB); // 100 KiB consumed, 50 KiB ahead
    expect(fc.pollMaxData(60, 50)).toBe(100 * KiB + 200 * KiB); // 60 ms < 2 * 50 ms: doubled
    expect(fc.windowBytes).toBe(200 * KiB);
    fc.onConsumed(100 * KiB);
    expect(fc.pollMaxData(120, 50)).toBe(200 * KiB + 300 * KiB); // capped at 300 KiB
    expect(fc.windowBytes).toBe(300 * KiB);
  });

  it('keeps the window when the reader is slow', () => {
    const fc = new ReceiveFlowControl({ initialWindowBytes: 100 * KiB });
    fc.onConsumed(50 * KiB);
    fc.pollMaxData(0, 50);
    fc.onConsumed(50 * KiB);
    expect(fc.pollMaxData(500, 50)).toBe(200 * KiB);
    expect(fc.windowBytes).toBe(100 * KiB);
  });

  it('resends only the current limit when a MAX_DATA frame is lost', () => {
    const fc = new ReceiveFlowControl({ initialWindowBytes: 100 });
    fc.onConsumed(60);
    expect(fc.pollMaxData(0, 10)).toBe(160);
    fc.onMaxDataLost(100); // an older value: superseded
    expect(fc.shouldSendMaxData).toBe(false);
    fc.onMaxDataLost(160);
    expect(fc.pollMaxData(1, 10)).toBe(160);
    expect(fc.windowBytes).toBe(100);
  });
});
