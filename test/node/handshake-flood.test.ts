// A flood of Initials that no one will finish (copies of a recorded client's first datagram, each with a
// fresh destination CID, from addresses that never answer) against a server with the Node API's
// defaults: stateless retry engages once 256 connections are half-open ('auto', the default), so the
// flood holds at most that many connections, and a new client still connects (after a Retry). Without
// it every copy held a connection until its idle timeout, and a full table refused the new client.
import { randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, expect, test } from 'vitest';
import { AUTO_RETRY_HALF_OPEN, type Endpoint } from '../../src/core/endpoint.js';
import { generateKeyPair } from '../../src/index.js';
import { HoldRelay, closeRelays } from '../support/hold-relay.js';
import { captureNextDriver, cleanup, dial, listen, udp } from '../e2e/helpers.js';

afterEach(async () => {
  closeRelays();
  await cleanup();
});

const serverKeys = generateKeyPair();
/** Copies of the recorded Initial sent in all. */
const COPIES = 1_000;
/** Copies sent at once before the server has taken them all: well within a UDP receive buffer. */
const BURST = 50;

/** Initials the server has dealt with: accepted (a connection), answered with a Retry, or refused. */
function handled(endpoint: Endpoint): number {
  return endpoint.connections.size + endpoint.stats.retries + endpoint.stats.refused;
}

// A table larger than the 'auto' threshold, and one smaller (the threshold is then half of it): both
// fewer than the copies, which would fill them.
test.each([400, 100])('a flood of replayed Initials holds at most 256 connections (half of maxConnections %i if fewer) and never locks out a new client', async (maxConnections) => {
  const threshold = Math.min(AUTO_RETRY_HALF_OPEN, Math.ceil(maxConnections / 2));
  const serverDriver = captureNextDriver();
  const server = await listen({ keyPair: serverKeys, maxConnections });
  const endpoint = (await serverDriver).endpoint;
  // A client whose first datagram an attacker records.
  const relay = await HoldRelay.start(server.port);
  const victim = dial({ port: relay.port, keyPair: generateKeyPair(), serverKey: serverKeys.publicKey });
  await once(victim, 'connect');
  const recorded = relay.fromClient[0] as Buffer;
  const before = handled(endpoint);

  const senders = await Promise.all(Array.from({ length: 10 }, () => udp()));
  for (let sent = 0; sent < COPIES; ) {
    for (let i = 0; i < BURST; i++, sent++) {
      const copy = Buffer.from(recorded);
      randomFillSync(copy, 6, copy[5]!); // a fresh DCID (byte 5 is its length): a new connection each
      senders[sent % senders.length]!.send(copy, server.port, '127.0.0.1');
    }
    while (handled(endpoint) - before < sent) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  // The flood holds at most the threshold (the victim's connection aside); the rest got Retries.
  const held = endpoint.connections.size - 1;
  expect(held).toBeLessThanOrEqual(threshold);
  expect(endpoint.stats.retries).toBeGreaterThanOrEqual(COPIES - threshold);
  // A new client connects, after a Retry.
  const retriesBefore = endpoint.stats.retries;
  const client = dial({ port: server.port, serverKey: serverKeys.publicKey, connectTimeout: 5_000 });
  await once(client, 'connect');
  expect(endpoint.stats.retries).toBe(retriesBefore + 1);
});
