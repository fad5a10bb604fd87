import { describe, expect, it } from 'vitest';
import { MIN_DATAGRAM_SIZE } from '../../src/core/config.js';
import { AUTO_RETRY_HALF_OPEN, Endpoint } from '../../src/core/endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import { keyPairFromPrivate } from '../../src/crypto/x25519.js';
import { MptErrorCode } from '../../src/errors.js';
import { CLIENT, SERVER, enginePair, payload, sha256 } from '../support/engine-pair.js';

// Sizes and resources the engine bounds: early data within the Initial,
// datagrams within the caller's buffer, per-connection memory of half-open
// server connections, closed connections leaving the endpoint's tables.

const seeded = (seed: number) => {
  let x = seed;
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      out[i] = x >>> 24;
    }
    return out;
  };
};

describe('early data', () => {
  const serverKeys = keyPairFromPrivate(seeded(1)(32))!;
  const connectWith = (bytes: number) => {
    const client = Endpoint.create({ randomBytes: seeded(2) })._unsafeUnwrap();
    return { client, result: client.connect(0, CLIENT, SERVER, { serverKey: serverKeys.publicKey, earlyData: payload(bytes) }) };
  };

  it('that does not fit a 1200-byte Initial (with room for a Retry token) is refused with InvalidConfig', () => {
    for (const bytes of [2_000, 65_000, 65_400, 1 << 20]) {
      const { result } = connectWith(bytes);
      expect(result.isErr()).toBe(true);
      expect(result._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidConfig);
    }
    // The largest accepted size: its Initial is exactly within the bound, one more byte is refused.
    let most = 0;
    for (let bytes = 1_200; bytes > 0; bytes--) {
      if (connectWith(bytes).result.isOk()) {
        most = bytes;
        break;
      }
    }
    expect(most).toBeGreaterThanOrEqual(800);
    const { client } = connectWith(most);
    const out = new Uint8Array(65_536);
    const t = client.pollTransmit(0, out)!;
    expect(t.length).toBeLessThanOrEqual(MIN_DATAGRAM_SIZE);
    console.log(`early data: at most ${most} bytes in a ${t.length}-byte Initial`);
  });

  it('of the largest accepted size reaches a server behind a Retry', () => {
    let most = 0;
    for (let bytes = 1_200; bytes > 0 && most === 0; bytes--) if (connectWith(bytes).result.isOk()) most = bytes;
    const probe = enginePair();
    const early = payload(most, 4);
    const p = enginePair({
      serverKeys: probe.serverKeys,
      connect: { serverKey: probe.serverKeys.publicKey, earlyData: early },
      server: { server: { acceptEarlyData: true, retry: true } },
    });
    p.connection.shutdown();
    p.runUntil(() => p.serverSink?.finished === true, 10_000);
    expect(sha256(p.serverSink!.data())).toBe(sha256(early));
  });
});

describe('pollTransmit', () => {
  it('never writes a datagram larger than the caller buffer: it is counted instead', () => {
    const client = Endpoint.create({ randomBytes: seeded(3) })._unsafeUnwrap();
    const connection = client.connect(0, CLIENT, SERVER)._unsafeUnwrap();
    const small = new Uint8Array(1_000);
    expect(() => client.pollTransmit(0, small)).not.toThrow();
    expect(connection.oversizedDatagrams).toBe(1);
    expect(small.every((b) => b === 0)).toBe(true);
  });
});

describe('half-open server connections', () => {
  it('share one payload scratch buffer per endpoint, so each costs a few KiB, not 64', () => {
    const server = Endpoint.create({ randomBytes: seeded(4), server: { staticKeyPair: keyPairFromPrivate(seeded(5)(32)) } })._unsafeUnwrap();
    const client = Endpoint.create({ randomBytes: seeded(6) })._unsafeUnwrap();
    const out = new Uint8Array(65_536);
    const n = 300;
    const initials: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      client.connect(0, CLIENT, SERVER);
      initials.push(out.slice(0, client.pollTransmit(0, out)!.length));
    }
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < n; i++) {
      const from: SocketAddress = { host: `10.1.${i >> 8}.${i & 255}`, port: 5000 };
      server.handleDatagram(1, SERVER, from, initials[i]!);
    }
    const perConnection = (process.memoryUsage().arrayBuffers - before) / n;
    expect(server.connections.size).toBe(n);
    const [a, b] = [...server.connections];
    const scratch = (c: unknown): Uint8Array => (c as { payload: Uint8Array }).payload;
    expect(scratch(a)).toBe(scratch(b));
    console.log(`half-open server connection: ${(perConnection / 1024).toFixed(1)} KiB of buffers each`);
    expect(perConnection).toBeLessThan(16 * 1024);
  });
});

describe('closed connections', () => {
  it('leave the endpoint at the next poll, not at a later timer', () => {
    const client = Endpoint.create({ randomBytes: seeded(7) })._unsafeUnwrap();
    const connection = client.connect(0, CLIENT, SERVER)._unsafeUnwrap();
    connection.close(0);
    expect(connection.state).toBe('closed');
    client.pollTransmit(0, new Uint8Array(65_536));
    expect(client.connections.size).toBe(0);
  });

  it('do not count toward maxConnections', () => {
    const server = Endpoint.create({ randomBytes: seeded(8), server: { staticKeyPair: keyPairFromPrivate(seeded(9)(32)), maxConnections: 1 } })._unsafeUnwrap();
    const client = Endpoint.create({ randomBytes: seeded(10) })._unsafeUnwrap();
    const out = new Uint8Array(65_536);
    const initial = (): Uint8Array => {
      client.connect(0, CLIENT, SERVER);
      return out.slice(0, client.pollTransmit(0, out)!.length);
    };
    server.handleDatagram(0, SERVER, CLIENT, initial());
    expect(server.connections.size).toBe(1);
    const first = [...server.connections][0]!;
    // Drive the first one to `closed` (closing, then its deadline) without a handleTimeout of the endpoint.
    first.close(0);
    first.handleTimeout(first.nextTimeout()!);
    expect(first.state).toBe('closed');
    server.handleDatagram(1, SERVER, { host: '10.0.0.9', port: 1 }, initial());
    expect(server.connections.size).toBe(1);
    expect(server.connections.has(first)).toBe(false);
    expect(server.stats.refused).toBe(0);
  });
});

describe("retry: 'auto'", () => {
  it(`answers with a Retry only once ${AUTO_RETRY_HALF_OPEN} connections are half-open`, () => {
    const flood = Endpoint.create({ randomBytes: seeded(11) })._unsafeUnwrap();
    const out = new Uint8Array(65_536);
    const initials: Uint8Array[] = [];
    for (let i = 0; i < AUTO_RETRY_HALF_OPEN; i++) {
      flood.connect(0, CLIENT, SERVER);
      initials.push(out.slice(0, flood.pollTransmit(0, out)!.length));
    }
    // Below the threshold a client connects directly.
    const quiet = enginePair({ server: { server: { retry: 'auto' } } });
    quiet.runUntil(() => quiet.clientSink.connected, 5_000);
    expect(quiet.server.stats.retries).toBe(0);
    // With the threshold of half-open connections (spoofed sources that never answer), it goes through a Retry.
    const p = enginePair({ server: { server: { retry: 'auto' } } });
    initials.forEach((bytes, i) => p.server.handleDatagram(0, SERVER, { host: `10.2.${i >> 8}.${i & 255}`, port: 7 }, bytes));
    expect(p.server.connections.size).toBe(AUTO_RETRY_HALF_OPEN);
    const data = payload(100_000, 3);
    p.connection.write(data);
    p.connection.shutdown();
    p.runUntil(() => p.serverSink?.finished === true, 10_000);
    expect(p.server.stats.retries).toBe(1);
    expect(sha256(p.serverSink!.data())).toBe(sha256(data));
  });
});

describe('new connections the engine refuses', () => {
  const serverKeyPair = keyPairFromPrivate(seeded(12)(32));
  const initialFrom = (client: Endpoint): Uint8Array => {
    const out = new Uint8Array(65_536);
    client.connect(0, CLIENT, SERVER);
    return out.slice(0, client.pollTransmit(0, out)!.length);
  };

  it('an Initial in a datagram under 1200 bytes: no connection, no answer (it could amplify), counted', () => {
    const server = Endpoint.create({ randomBytes: seeded(13), server: { staticKeyPair: serverKeyPair } })._unsafeUnwrap();
    const initial = initialFrom(Endpoint.create({ randomBytes: seeded(14) })._unsafeUnwrap());
    expect(initial.length).toBeGreaterThanOrEqual(MIN_DATAGRAM_SIZE);
    // The same Initial in a shorter datagram (its padding cut): refused.
    server.handleDatagram(0, SERVER, CLIENT, initial.subarray(0, MIN_DATAGRAM_SIZE - 1));
    expect(server.connections.size).toBe(0);
    expect(server.pollTransmit(0, new Uint8Array(65_536))).toBeUndefined();
    expect(server.stats.refused).toBe(1);
    // The whole datagram: accepted and answered.
    server.handleDatagram(0, SERVER, CLIENT, initial);
    expect(server.connections.size).toBe(1);
    expect(server.pollTransmit(0, new Uint8Array(65_536))).toBeDefined();
  });

  it('beyond maxConnections: dropped unanswered and counted, and accepted again once one has gone', () => {
    const server = Endpoint.create({ randomBytes: seeded(15), server: { staticKeyPair: serverKeyPair, maxConnections: 3 } })._unsafeUnwrap();
    const client = Endpoint.create({ randomBytes: seeded(16) })._unsafeUnwrap();
    const out = new Uint8Array(65_536);
    for (let i = 0; i < 5; i++) server.handleDatagram(0, SERVER, { host: `10.3.0.${i}`, port: 9 }, initialFrom(client));
    expect(server.connections.size).toBe(3);
    expect(server.stats.refused).toBe(2);
    let answers = 0;
    while (server.pollTransmit(0, out) !== undefined) answers++;
    expect(answers).toBeGreaterThanOrEqual(3);
    // A refused client's Initial again: still refused while the table is full.
    server.handleDatagram(1, SERVER, { host: '10.3.0.9', port: 9 }, initialFrom(client));
    expect(server.pollTransmit(1, out)).toBeUndefined();
    expect(server.stats.refused).toBe(3);
    // One connection goes: the next Initial is accepted.
    const first = [...server.connections][0]!;
    first.close(1);
    first.handleTimeout(first.nextTimeout()!);
    server.handleDatagram(2, SERVER, { host: '10.3.0.10', port: 9 }, initialFrom(client));
    expect(server.connections.size).toBe(3);
    expect(server.stats.refused).toBe(3);
  });
});

describe('a server answering an address that never replies', () => {
  it('sends it at most three times what it received, even when its application answers early data at length, and its timers do not spin (RFC 9000 §8.1, RFC 9002 §6.2.2.1)', () => {
    const serverKeys = keyPairFromPrivate(seeded(18)(32))!;
    const server = Endpoint.create({ randomBytes: seeded(17), server: { staticKeyPair: serverKeys, acceptEarlyData: true } })._unsafeUnwrap();
    const client = Endpoint.create({ randomBytes: seeded(19) })._unsafeUnwrap();
    const out = new Uint8Array(65_536);
    // An IK first flight with a request in its early data, as a recording would hold it.
    client.connect(0, CLIENT, SERVER, { serverKey: serverKeys.publicKey, earlyData: payload(100) });
    const initial = out.slice(0, client.pollTransmit(0, out)!.length);
    // Sent again "from" a victim that never answers (a spoofed source).
    const victim: SocketAddress = { host: '10.4.0.1', port: 9 };
    server.handleDatagram(0, SERVER, victim, initial);
    // The application answers the request with 100 kB at once.
    const connection = server.pollEvent()!.connection;
    connection.write(payload(100_000, 5));
    let sent = 0;
    let datagrams = 0;
    const drain = (nowMs: number): void => {
      for (let t = server.pollTransmit(nowMs, out); t !== undefined; t = server.pollTransmit(nowMs, out)) {
        expect(t.remote).toEqual(victim);
        sent += t.length;
        datagrams++;
      }
    };
    drain(0);
    // Every timer until the connection gives up (its idle timeout): probes, repeats. A probe timer that
    // cannot send must not stay due (it would wake the server at the same instant forever).
    let wakeups = 0;
    for (let deadline = server.nextTimeout(); deadline !== undefined && server.connections.size > 0 && wakeups < 1_000; deadline = server.nextTimeout()) {
      wakeups++;
      server.handleTimeout(deadline);
      drain(deadline);
    }
    expect(server.connections.size).toBe(0);
    expect(wakeups).toBeLessThan(20);
    expect(datagrams).toBeGreaterThan(1); // the answer and some of the data went...
    expect(sent).toBeLessThanOrEqual(3 * initial.length); // ...within the limit
  });
});
