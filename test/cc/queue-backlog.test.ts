import { describe, expect, it } from 'vitest';
import { QueueBacklog, RANDOM_LOSS_BACKLOG_SEGMENTS } from '../../src/cc/index.js';

const sample = (latestMs: number, minMs = 40, smoothedMs = 40) => ({ latestMs, minMs, smoothedMs });

describe('QueueBacklog', () => {
  it('is unknown (infinite) before any sample, so the first loss counts as congestion', () => {
    const b = new QueueBacklog();
    expect(b.backlogSegments(100 * 1200, 1200)).toBe(Number.POSITIVE_INFINITY);
    expect(b.isRandomLoss(100 * 1200, 1200)).toBe(false);
  });

  it('computes cwnd x (1 - min RTT / recent RTT) in segments', () => {
    const b = new QueueBacklog();
    b.onRttSample(0, sample(50));
    expect(b.backlogSegments(100 * 1200, 1200)).toBeCloseTo(20, 6);
    expect(b.isRandomLoss(100 * 1200, 1200)).toBe(false);
  });

  it('takes the least sample of the last one to two RTTs: single delayed ACKs do not read as a queue', () => {
    const b = new QueueBacklog();
    b.onRttSample(0, sample(41));
    b.onRttSample(10, sample(65)); // an ACK held back by ACK delay
    b.onRttSample(30, sample(70));
    expect(b.recentRttMs).toBe(41);
    expect(b.backlogSegments(100 * 1200, 1200)).toBeLessThan(RANDOM_LOSS_BACKLOG_SEGMENTS);
  });

  it('sees a standing queue once it has lasted two windows', () => {
    const b = new QueueBacklog();
    b.onRttSample(0, sample(41));
    b.onRttSample(50, sample(80)); // new window
    expect(b.recentRttMs).toBe(41);
    b.onRttSample(100, sample(80)); // and another: the 41 ms sample has aged out
    expect(b.recentRttMs).toBe(80);
    expect(b.isRandomLoss(100 * 1200, 1200)).toBe(false);
  });
});
