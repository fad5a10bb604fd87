/**
 * Decode fuzzing: every wire decoder must survive arbitrary datagrams without
 * throwing. Reproducible: a seeded xorshift generator drives everything.
 *
 *   MPT_FUZZ_ITERATIONS  datagrams to generate (default 100000; `npm run test:fuzz` uses 2000000)
 *   MPT_FUZZ_SEED        generator seed (default 0x6d707401)
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CID_LENGTH,
  MAX_ACK_RANGES,
  WIRE_VERSION,
  decodeFrame,
  decodeFrames,
  decodeInvariantHeader,
  decodeLongHeader,
  decodeShortHeader,
  decodeTransportParams,
  decodeVarint,
  decodeVersionNegotiation,
  encodeFrames,
  encodeLongHeader,
  encodeShortHeader,
  encodeTransportParams,
  encodeVersionNegotiation,
  frameLength,
  longHeaderLength,
  serializeTransportParams,
  transportParamsLength,
  versionNegotiationLength,
  type Frame,
  type PacketNumberLength,
  type TransportParams,
} from '../../../src/core/wire/index.js';

const ITERATIONS = Number(process.env['MPT_FUZZ_ITERATIONS'] ?? 100_000);
const SEED = Number(process.env['MPT_FUZZ_SEED'] ?? 0x6d70_7401);

/** xorshift32 (Marsaglia 2003) with a few helpers; state must be nonzero. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0x1_0000_0000 ? Math.floor((this.u32() / 0x1_0000_0000) * n) : Math.floor((this.u32() * 0x1_0000_0000 + this.u32()) % n);
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  /** A varint value biased to the encoding boundaries. */
  varint(max = Number.MAX_SAFE_INTEGER): number {
    const edges = [0, 1, 63, 64, 16_383, 16_384, 2 ** 30 - 1, 2 ** 30, 2 ** 32 - 1, 2 ** 53 - 1];
    switch (this.int(4)) {
      case 0:
        return Math.min(max, this.pick(edges));
      case 1:
        return this.int(Math.min(max, 100) + 1);
      case 2:
        return this.int(Math.min(max, 2 ** 32) + 1);
      default:
        return Math.floor((this.u32() / 0x1_0000_0000) * max);
    }
  }
}

const FRAME_KINDS: readonly Frame['type'][] = [
  'padding', 'ping', 'ack', 'data', 'maxData', 'dataBlocked', 'reset', 'newConnectionId', 'retireConnectionId', 'pathChallenge',
  'pathResponse', 'addAddress', 'removeAddress', 'pathStatus', 'pathAbandon', 'close', 'mtuProbe', 'handshakeDone',
];

function randomFrame(rng: Rng, last: boolean): Frame {
  const pathId = rng.varint(2 ** 32 - 1);
  switch (rng.pick(FRAME_KINDS)) {
    case 'padding':
      return { type: 'padding', length: 1 + rng.int(40) };
    case 'ping':
      return { type: 'ping' };
    case 'ack': {
      const ranges = [];
      // Now and then up to the cap, so mutated Range Counts land on both sides of it.
      for (let i = rng.chance(0.02) ? rng.int(MAX_ACK_RANGES + 1) : rng.int(5); i > 0; i--) ranges.push({ gap: rng.varint(1000), length: rng.varint(1000) });
      let span = rng.varint(1000);
      const firstRange = span;
      for (const r of ranges) span += r.gap + 2 + r.length;
      return { type: 'ack', pathId, largestAcked: span + rng.varint(2 ** 40), ackDelay: rng.varint(), firstRange, ranges };
    }
    case 'data':
      return { type: 'data', offset: rng.varint(2 ** 52), data: rng.bytes(rng.int(200)), fin: rng.chance(0.3), explicitLength: !last || rng.chance(0.5) };
    case 'maxData':
      return { type: 'maxData', maximumData: rng.varint() };
    case 'dataBlocked':
      return { type: 'dataBlocked', limit: rng.varint() };
    case 'reset':
      return { type: 'reset', applicationErrorCode: rng.varint(), finalSize: rng.varint() };
    case 'newConnectionId': {
      const sequenceNumber = rng.varint();
      return {
        type: 'newConnectionId', pathId, sequenceNumber, retirePriorTo: rng.int(sequenceNumber + 1),
        connectionId: rng.bytes(1 + rng.int(20)), statelessResetToken: rng.bytes(16),
      };
    }
    case 'retireConnectionId':
      return { type: 'retireConnectionId', pathId, sequenceNumber: rng.varint() };
    case 'pathChallenge':
      return { type: 'pathChallenge', data: rng.bytes(8) };
    case 'pathResponse':
      return { type: 'pathResponse', data: rng.bytes(8) };
    case 'addAddress': {
      const v6 = rng.chance(0.5);
      return { type: 'addAddress', addressId: rng.varint(), sequenceNumber: rng.varint(), family: v6 ? 6 : 4, address: rng.bytes(v6 ? 16 : 4), port: 1 + rng.int(65_535) };
    }
    case 'removeAddress':
      return { type: 'removeAddress', addressId: rng.varint(), sequenceNumber: rng.varint() };
    case 'pathStatus':
      return { type: 'pathStatus', pathId, sequenceNumber: rng.varint(), status: rng.chance(0.5) ? 'available' : 'backup' };
    case 'pathAbandon':
      return { type: 'pathAbandon', pathId, reasonCode: rng.varint() };
    case 'close':
      return { type: 'close', reasonCode: rng.varint(), applicationErrorCode: rng.varint(), reason: rng.bytes(rng.int(60)) };
    case 'mtuProbe':
      return { type: 'mtuProbe', probeSize: 1200 + rng.int(65_527 - 1200 + 1) };
    case 'handshakeDone':
      return { type: 'handshakeDone' };
  }
}

function framePayload(rng: Rng): Uint8Array {
  const frames: Frame[] = [];
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) frames.push(randomFrame(rng, i === n - 1));
  const buf = new Uint8Array(frames.reduce((s, f) => s + frameLength(f), 0));
  encodeFrames(buf, 0, frames);
  return buf;
}

function randomParams(rng: Rng): TransportParams {
  const aeads = rng.chance(0.5) ? [1] : rng.chance(0.5) ? [2, 1] : [1, 2, 7];
  const params: TransportParams = {
    maxIdleTimeoutMs: rng.chance(0.5) ? 0 : rng.varint(),
    maxUdpPayloadSize: 1200 + rng.int(65_527 - 1200 + 1),
    initialMaxData: rng.varint(),
    ackDelayExponent: rng.int(21),
    maxAckDelayMs: rng.int(16_384),
    disableActiveMigration: rng.chance(0.5),
    activeConnectionIdLimit: 2 + rng.varint(2 ** 20),
    initialSourceConnectionId: rng.bytes(rng.int(21)),
    maxPaths: 1 + rng.int(256),
    supportedAeads: aeads,
    extensions: rng.chance(0.5) ? [] : [1, 2, 3, 0x4000].slice(0, rng.int(5)),
  };
  return {
    ...params,
    ...(rng.chance(0.3) ? { statelessResetToken: rng.bytes(16) } : {}),
    ...(rng.chance(0.3) ? { originalDestinationConnectionId: rng.bytes(rng.int(21)) } : {}),
    ...(rng.chance(0.2) ? { retrySourceConnectionId: rng.bytes(rng.int(21)) } : {}),
  };
}

function validDatagram(rng: Rng): Uint8Array {
  switch (rng.int(7)) {
    case 0:
    case 1: {
      // short header + frames (as if decrypted in place)
      const payload = framePayload(rng);
      const pnLen = (1 + rng.int(4)) as PacketNumberLength;
      const header = { keyPhase: rng.chance(0.5) ? (1 as const) : (0 as const), dcid: rng.bytes(DEFAULT_CID_LENGTH), packetNumber: rng.int(2 ** (8 * pnLen)), packetNumberLength: pnLen };
      const out = new Uint8Array(1 + DEFAULT_CID_LENGTH + pnLen + payload.length);
      out.set(payload, encodeShortHeader(out, 0, header));
      return out;
    }
    case 2:
      return framePayload(rng);
    case 3: {
      const payload = rng.chance(0.5) ? framePayload(rng) : rng.bytes(rng.int(200));
      const pnLen = (1 + rng.int(4)) as PacketNumberLength;
      const common = { version: WIRE_VERSION, dcid: rng.bytes(rng.int(21)), scid: rng.bytes(rng.int(21)), packetNumber: rng.int(2 ** (8 * pnLen)), packetNumberLength: pnLen };
      const header = rng.chance(0.5)
        ? { type: 'initial' as const, token: rng.bytes(rng.chance(0.5) ? 0 : rng.int(80)), ...common }
        : { type: 'handshake' as const, ...common };
      const out = new Uint8Array(longHeaderLength(header, payload.length) + payload.length + (rng.chance(0.2) ? rng.int(40) : 0));
      out.set(payload, encodeLongHeader(out, 0, header, payload.length));
      return out;
    }
    case 4: {
      const retry = { type: 'retry' as const, version: WIRE_VERSION, dcid: rng.bytes(rng.int(21)), scid: rng.bytes(rng.int(21)), retryToken: rng.bytes(1 + rng.int(100)) };
      const out = new Uint8Array(longHeaderLength(retry));
      encodeLongHeader(out, 0, retry);
      return out;
    }
    case 5: {
      const vn = { dcid: rng.bytes(rng.int(21)), scid: rng.bytes(rng.int(21)), supportedVersions: [WIRE_VERSION, 0x1a2a3a4a].slice(0, rng.int(3)) };
      const out = new Uint8Array(versionNegotiationLength(vn));
      encodeVersionNegotiation(out, 0, vn);
      return out;
    }
    default: {
      const params = randomParams(rng);
      const out = new Uint8Array(transportParamsLength(params));
      encodeTransportParams(out, 0, params);
      return out;
    }
  }
}

function mutate(rng: Rng, input: Uint8Array, other: Uint8Array): Uint8Array {
  let d: Uint8Array = input.slice();
  const rounds = 1 + rng.int(3);
  for (let i = 0; i < rounds; i++) {
    const at = rng.int(d.length + 1);
    switch (rng.int(7)) {
      case 0: // bit flips
        for (let j = 1 + rng.int(8); j > 0 && d.length > 0; j--) {
          const k = rng.int(d.length);
          d[k] = (d[k] as number) ^ (1 << rng.int(8));
        }
        break;
      case 1: // truncation
        d = d.subarray(0, rng.int(d.length + 1));
        break;
      case 2: // a length field lies: overwrite a byte with a varint prefix claiming more (or less)
        if (d.length > 0) d[Math.min(at, d.length - 1)] = rng.pick([0x3f, 0x40 | rng.int(64), 0x80, 0xbf, 0xc0, rng.int(256)]);
        break;
      case 3: {
        // varint overflow: splice in 0xff runs
        const run = new Uint8Array(1 + rng.int(9)).fill(0xff);
        d = concat(d.subarray(0, at), run, d.subarray(at));
        break;
      }
      case 4: // extension with random bytes
        d = concat(d, rng.bytes(1 + rng.int(64)));
        break;
      case 5: // splice with another valid datagram
        d = concat(d.subarray(0, at), other.subarray(rng.int(other.length + 1)));
        break;
      default: // zero a range (PADDING runs, zero lengths)
        d.fill(0, at, at + rng.int(16));
        break;
    }
  }
  return d;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

interface Tally {
  ok: number;
  err: number;
  thrown: number;
}

describe('decode fuzz', () => {
  it(
    `survives ${ITERATIONS} datagrams through every decoder without throwing (seed ${SEED})`,
    () => {
      const rng = new Rng(SEED);
      const names = ['invariant', 'long', 'short', 'frames', 'frame@offset', 'transportParams', 'versionNegotiation', 'varint', 'reencode'] as const;
      const tally = Object.fromEntries(names.map((n) => [n, { ok: 0, err: 0, thrown: 0 }])) as Record<(typeof names)[number], Tally>;
      const failures: string[] = [];
      const run = (name: (typeof names)[number], d: Uint8Array, f: () => boolean): void => {
        try {
          if (f()) tally[name].ok++;
          else tally[name].err++;
        } catch (e) {
          tally[name].thrown++;
          if (failures.length < 5) failures.push(`${name}: ${String(e)} on ${Buffer.from(d).toString('hex').slice(0, 200)}`);
        }
      };
      /** Whether decoded frames re-encode (never throwing) into no more bytes and decode again to as many frames. */
      const reencodes = (frames: Frame[], originalLength: number): boolean => {
        const size = frames.reduce((s, f) => s + frameLength(f), 0);
        if (size > originalLength) throw new Error(`re-encoding grew ${originalLength} -> ${size}`);
        const buf = new Uint8Array(size);
        encodeFrames(buf, 0, frames);
        const again = decodeFrames(buf);
        if (again.isErr() || again.value.length !== frames.length) throw new Error('re-encoded frames do not decode');
        return true;
      };

      const start = performance.now();
      let previous = validDatagram(rng);
      for (let i = 0; i < ITERATIONS; i++) {
        const valid = validDatagram(rng);
        const choice = rng.int(10);
        const d = choice === 0 ? rng.bytes(rng.int(1500)) : choice <= 2 ? valid : mutate(rng, valid, previous);
        previous = valid;

        run('invariant', d, () => decodeInvariantHeader(d, DEFAULT_CID_LENGTH).isOk());
        run('long', d, () => {
          const r = decodeLongHeader(d);
          if (r.isErr()) return false;
          if (r.value.packetLength > d.length) throw new Error('packetLength beyond input');
          if (r.value.type !== 'retry' && !(r.value.headerLength <= r.value.packetLength)) throw new Error('headerLength beyond packet');
          return true;
        });
        run('short', d, () => {
          const r = decodeShortHeader(d, DEFAULT_CID_LENGTH);
          if (r.isErr()) return false;
          if (r.value.headerLength > d.length) throw new Error('headerLength beyond input');
          const frames = decodeFrames(d.subarray(r.value.headerLength));
          if (frames.isOk()) run('reencode', d, () => reencodes(frames.value, d.length - r.value.headerLength));
          return true;
        });
        run('frames', d, () => {
          const r = decodeFrames(d);
          if (r.isOk()) run('reencode', d, () => reencodes(r.value, d.length));
          return r.isOk();
        });
        run('frame@offset', d, () => {
          const at = rng.int(d.length + 1);
          const r = decodeFrame(d, at);
          if (r.isOk() && !(r.value.next > at && r.value.next <= d.length)) throw new Error('next outside input');
          return r.isOk();
        });
        run('transportParams', d, () => {
          const r = decodeTransportParams(d);
          if (r.isOk()) serializeTransportParams(r.value); // whatever decodes must be encodable
          return r.isOk();
        });
        run('versionNegotiation', d, () => decodeVersionNegotiation(d).isOk());
        run('varint', d, () => decodeVarint(d, 0).isOk());
      }
      const seconds = (performance.now() - start) / 1000;
      console.log(`fuzz: ${ITERATIONS} datagrams, seed ${SEED}, ${seconds.toFixed(1)} s`, JSON.stringify(tally));

      expect(failures).toEqual([]);
      for (const name of names) {
        expect(tally[name].thrown, `${name} threw`).toBe(0);
        expect(tally[name].ok, `${name} never accepted anything`).toBeGreaterThan(0);
        if (name !== 'reencode') expect(tally[name].err, `${name} never rejected anything`).toBeGreaterThan(0);
      }
      expect(ITERATIONS).toBeGreaterThanOrEqual(1);
    },
    Math.max(60_000, ITERATIONS * 5),
  );
});
