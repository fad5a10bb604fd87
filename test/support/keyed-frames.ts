// Random frame sequences for a keyed malicious peer: mostly frames that are plausible for a live
// connection (offsets inside the window, path ids near those in use, loopback addresses), so a
// sequence goes deeper than its first rule broken, mixed with fully random frames of every type.
import fc from 'fast-check';
import { frameLength, MAX_PROBE_SIZE, MIN_PROBE_SIZE, type Frame } from '../../src/core/wire/index.js';
import { bytesArb, frameArb, normalizeFrames, varintArb } from '../core/wire/arbitraries.js';

/** The largest payload of a random packet, bytes: it fits a loopback datagram of any configured size. */
export const MAX_RANDOM_PAYLOAD = 1_100;

const smallPathId = fc.integer({ min: 0, max: 20 });

const w = (weight: number, arbitrary: fc.Arbitrary<Frame>): fc.WeightedArbitrary<Frame> => ({ weight, arbitrary });
/** Frames the server must survive keeping the connection come forty times as often as those that may break a rule. */
const benign = (weight: number, arbitrary: fc.Arbitrary<Frame>): fc.WeightedArbitrary<Frame> => w(40 * weight, arbitrary);

/**
 * Frames a keyed peer could send on a live connection, each a little off: mostly ones the server must
 * survive and keep the connection through (DATA inside the window, CIDs, challenges, path signals for
 * ids near those in use, loopback addresses), some that may break a rule (an ACK of a packet maybe never
 * sent, a RESET or FIN whose final size may contradict the data), and any frame at all, about one in 1400.
 */
export const keyedFrameArb: fc.Arbitrary<Frame> = fc.oneof(
  benign(3, fc.constant<Frame>({ type: 'ping' })),
  benign(2, fc.integer({ min: 1, max: 32 }).map((length): Frame => ({ type: 'padding', length }))),
  benign(
    6,
    fc
      .record({ offset: fc.integer({ min: 0, max: (1 << 20) - 256 }), data: bytesArb(0, 200) })
      .map((f): Frame => ({ type: 'data', ...f, fin: false, explicitLength: true })),
  ),
  benign(2, varintArb.map((maximumData): Frame => ({ type: 'maxData', maximumData }))),
  benign(2, varintArb.map((limit): Frame => ({ type: 'dataBlocked', limit }))),
  benign(
    3,
    fc
      .record({ pathId: smallPathId, sequenceNumber: fc.integer({ min: 0, max: 3 }), connectionId: bytesArb(1, 20), statelessResetToken: bytesArb(16, 16) })
      .map((f): Frame => ({ type: 'newConnectionId', ...f, retirePriorTo: 0 })),
  ),
  benign(2, fc.record({ pathId: smallPathId, sequenceNumber: fc.integer({ min: 0, max: 5 }) }).map((f): Frame => ({ type: 'retireConnectionId', ...f }))),
  benign(3, bytesArb(8, 8).map((data): Frame => ({ type: 'pathChallenge', data }))),
  benign(2, bytesArb(8, 8).map((data): Frame => ({ type: 'pathResponse', data }))),
  benign(
    2,
    fc
      .record({ pathId: smallPathId, sequenceNumber: fc.integer({ min: 0, max: 10 }), status: fc.constantFrom('available' as const, 'backup' as const) })
      .map((f): Frame => ({ type: 'pathStatus', ...f })),
  ),
  benign(2, fc.record({ pathId: fc.integer({ min: 1, max: 20 }), reasonCode: fc.integer({ min: 0, max: 0x16 }) }).map((f): Frame => ({ type: 'pathAbandon', ...f }))),
  benign(
    2,
    fc
      .record({ addressId: fc.integer({ min: 0, max: 8 }), sequenceNumber: fc.integer({ min: 0, max: 8 }), last: fc.integer({ min: 1, max: 254 }), port: fc.integer({ min: 1, max: 65_535 }) })
      .map(({ last, ...f }): Frame => ({ type: 'addAddress', ...f, family: 4, address: new Uint8Array([127, 0, 0, last]) })),
  ),
  benign(2, fc.record({ addressId: fc.integer({ min: 0, max: 8 }), sequenceNumber: fc.integer({ min: 0, max: 8 }) }).map((f): Frame => ({ type: 'removeAddress', ...f }))),
  benign(1, fc.integer({ min: MIN_PROBE_SIZE, max: MAX_PROBE_SIZE }).map((probeSize): Frame => ({ type: 'mtuProbe', probeSize }))),
  // May break a rule.
  w(
    1,
    fc
      .record({ pathId: fc.integer({ min: 0, max: 3 }), largest: fc.integer({ min: 0, max: 64 }), ackDelay: fc.integer({ min: 0, max: 1000 }) })
      .chain(({ pathId, largest, ackDelay }) =>
        fc.integer({ min: 0, max: largest }).map((firstRange): Frame => ({ type: 'ack', pathId, largestAcked: largest, ackDelay, firstRange, ranges: [] })),
      ),
  ),
  w(
    1,
    fc
      .record({ applicationErrorCode: fc.integer({ min: 0, max: 9 }), finalSize: fc.integer({ min: 0, max: 1 << 20 }) })
      .map((f): Frame => ({ type: 'reset', ...f })),
  ),
  w(
    1,
    fc
      .record({ offset: fc.integer({ min: 0, max: (1 << 20) - 256 }), data: bytesArb(0, 200) })
      .map((f): Frame => ({ type: 'data', ...f, fin: true, explicitLength: true })),
  ),
  w(1, frameArb),
);

/** A packet's frames, 1 to 6, encodable (normalized) and at most {@link MAX_RANDOM_PAYLOAD} bytes. */
export const keyedPacketArb: fc.Arbitrary<Frame[]> = fc
  .array(keyedFrameArb, { minLength: 1, maxLength: 6 })
  .map(normalizeFrames)
  .filter((frames) => frames.reduce((n, f) => n + frameLength(f), 0) <= MAX_RANDOM_PAYLOAD);
