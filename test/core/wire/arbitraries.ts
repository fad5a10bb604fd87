import fc from 'fast-check';
import {
  MAX_PROBE_SIZE,
  MIN_PROBE_SIZE,
  type AckFrame,
  type Frame,
  type PacketNumberLength,
  type TransportParams,
} from '../../../src/core/wire/index.js';

/** Varint boundaries of RFC 9000 §16, plus 32-bit and JS-safe edges. */
export const VARINT_BOUNDARIES = [
  0, 1, 63, 64, 16_383, 16_384, 2 ** 30 - 1, 2 ** 30, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1,
] as const;

/** Any encodable varint, biased towards the length boundaries. */
export const varintArb = fc.oneof(
  fc.constantFrom(...VARINT_BOUNDARIES),
  fc.integer({ min: 0, max: 100 }),
  fc.nat(),
  fc.maxSafeNat(),
);

/** A varint no larger than `max`, still hitting the boundaries below it. */
export function boundedVarintArb(max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(...VARINT_BOUNDARIES.filter((v) => v <= max)),
    fc.integer({ min: 0, max: Math.min(max, 100) }),
    fc.integer({ min: 0, max }),
  );
}

export const pathIdArb = boundedVarintArb(2 ** 32 - 1);
export const bytesArb = (min: number, max: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: min, maxLength: max });
export const cidArb = bytesArb(0, 20);
export const pnLengthArb = fc.constantFrom<PacketNumberLength>(1, 2, 3, 4);

/** A packet-number length with a packet number that fits in it (so it round-trips truncated). */
export const truncatedPnArb = pnLengthArb.chain((len) =>
  fc.record({ packetNumberLength: fc.constant(len), packetNumber: boundedVarintArb(2 ** (8 * len) - 1) }),
);

const rangePartArb = boundedVarintArb(2 ** 40);

export const ackArb: fc.Arbitrary<AckFrame> = fc
  .record({
    pathId: pathIdArb,
    ackDelay: varintArb,
    firstRange: rangePartArb,
    ranges: fc.array(fc.record({ gap: rangePartArb, length: rangePartArb }), { maxLength: 8 }),
    slack: boundedVarintArb(2 ** 50),
  })
  .map(({ pathId, ackDelay, firstRange, ranges, slack }) => {
    let span = firstRange;
    for (const r of ranges) span += r.gap + 2 + r.length;
    return { type: 'ack' as const, pathId, largestAcked: span + slack, ackDelay, firstRange, ranges };
  });

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** One arbitrary per frame type, keyed by type. */
export const frameArbs: Record<Frame['type'], fc.Arbitrary<Frame>> = {
  padding: fc.integer({ min: 1, max: 64 }).map((length) => ({ type: 'padding', length })),
  ping: fc.constant({ type: 'ping' }),
  ack: ackArb,
  data: fc
    .record({ offset: boundedVarintArb(MAX_SAFE - 512), data: bytesArb(0, 300), fin: fc.boolean(), explicitLength: fc.boolean() })
    .map((f) => ({ type: 'data', ...f })),
  maxData: varintArb.map((maximumData) => ({ type: 'maxData', maximumData })),
  dataBlocked: varintArb.map((limit) => ({ type: 'dataBlocked', limit })),
  reset: fc.record({ applicationErrorCode: varintArb, finalSize: varintArb }).map((f) => ({ type: 'reset', ...f })),
  newConnectionId: fc
    .record({
      pathId: pathIdArb,
      sequenceNumber: varintArb,
      retireFraction: fc.double({ min: 0, max: 1, noNaN: true }),
      connectionId: bytesArb(1, 20),
      statelessResetToken: bytesArb(16, 16),
    })
    .map(({ retireFraction, ...f }) => ({
      type: 'newConnectionId',
      ...f,
      retirePriorTo: Math.floor(f.sequenceNumber * retireFraction),
    })),
  retireConnectionId: fc.record({ pathId: pathIdArb, sequenceNumber: varintArb }).map((f) => ({ type: 'retireConnectionId', ...f })),
  pathChallenge: bytesArb(8, 8).map((data) => ({ type: 'pathChallenge', data })),
  pathResponse: bytesArb(8, 8).map((data) => ({ type: 'pathResponse', data })),
  addAddress: fc
    .record({
      addressId: varintArb,
      sequenceNumber: varintArb,
      v6: fc.boolean(),
      address16: bytesArb(16, 16),
      port: fc.integer({ min: 1, max: 65_535 }),
    })
    .map(({ v6, address16, ...f }) => ({
      type: 'addAddress',
      ...f,
      family: v6 ? (6 as const) : (4 as const),
      address: v6 ? address16 : address16.subarray(0, 4),
    })),
  removeAddress: fc.record({ addressId: varintArb, sequenceNumber: varintArb }).map((f) => ({ type: 'removeAddress', ...f })),
  pathStatus: fc
    .record({ pathId: pathIdArb, sequenceNumber: varintArb, status: fc.constantFrom('available' as const, 'backup' as const) })
    .map((f) => ({ type: 'pathStatus', ...f })),
  pathAbandon: fc.record({ pathId: pathIdArb, reasonCode: varintArb }).map((f) => ({ type: 'pathAbandon', ...f })),
  close: fc
    .record({
      reasonCode: varintArb,
      applicationErrorCode: varintArb,
      reason: fc.oneof(bytesArb(0, 40), bytesArb(1024, 1024), fc.string().map((s) => new TextEncoder().encode(s).subarray(0, 1024))),
    })
    .map((f) => ({ type: 'close', ...f })),
  mtuProbe: fc.integer({ min: MIN_PROBE_SIZE, max: MAX_PROBE_SIZE }).map((probeSize) => ({ type: 'mtuProbe', probeSize })),
  handshakeDone: fc.constant({ type: 'handshakeDone' }),
};

/** Any frame. */
export const frameArb: fc.Arbitrary<Frame> = fc.oneof(...Object.values(frameArbs));

/**
 * Makes a frame list decodable back to itself: only the last DATA frame may
 * omit its Length, and adjacent PADDING frames merge into one run on decode.
 */
export function normalizeFrames(frames: readonly Frame[]): Frame[] {
  const out: Frame[] = [];
  frames.forEach((frame, i) => {
    let f = frame;
    if (f.type === 'data' && !f.explicitLength && i !== frames.length - 1) f = { ...f, explicitLength: true };
    const prev = out[out.length - 1];
    if (f.type === 'padding' && prev?.type === 'padding') out[out.length - 1] = { type: 'padding', length: prev.length + f.length };
    else out.push(f);
  });
  return out;
}

export const transportParamsArb: fc.Arbitrary<TransportParams> = fc
  .record({
    maxIdleTimeoutMs: fc.oneof(fc.constant(0), varintArb),
    maxUdpPayloadSize: fc.oneof(fc.constantFrom(1200, 1500, 65_527), fc.integer({ min: 1200, max: 65_527 })),
    initialMaxData: varintArb,
    ackDelayExponent: fc.integer({ min: 0, max: 20 }),
    maxAckDelayMs: fc.oneof(fc.constant(25), fc.integer({ min: 0, max: 16_383 })),
    disableActiveMigration: fc.boolean(),
    activeConnectionIdLimit: fc.oneof(fc.constant(2), fc.integer({ min: 2, max: 2 ** 53 - 1 })),
    initialSourceConnectionId: cidArb,
    maxPaths: fc.integer({ min: 1, max: 256 }),
    // Always lists AES-256-GCM (1), at any position, plus up to three other ids.
    supportedAeads: fc
      .tuple(fc.uniqueArray(varintArb.filter((v) => v !== 1), { maxLength: 3 }), fc.nat())
      .map(([others, at]) => {
        const list = [...others];
        list.splice(at % (list.length + 1), 0, 1);
        return list;
      }),
    extensions: fc.uniqueArray(varintArb, { maxLength: 6 }),
    statelessResetToken: fc.option(bytesArb(16, 16), { nil: undefined }),
    originalDestinationConnectionId: fc.option(cidArb, { nil: undefined }),
    retrySourceConnectionId: fc.option(cidArb, { nil: undefined }),
  })
  // Optional fields are left out, not set to undefined (exactOptionalPropertyTypes; the decoder never sets them).
  .map(({ statelessResetToken, originalDestinationConnectionId, retrySourceConnectionId, ...p }) => ({
    ...p,
    ...(statelessResetToken === undefined ? {} : { statelessResetToken }),
    ...(originalDestinationConnectionId === undefined ? {} : { originalDestinationConnectionId }),
    ...(retrySourceConnectionId === undefined ? {} : { retrySourceConnectionId }),
  }));
