// The frame dispatch table (src/core/frame-dispatch.ts): every frame goes to its owner, a handler's
// transport error closes the connection in one place, and a client's 0-RTT early frames may hold
// DATA and PADDING only.
import { describe, expect, it } from 'vitest';
import { Connection, serverTransportParams } from '../../src/core/connection.js';
import { DEFAULT_TRANSPORT_CONFIG } from '../../src/core/config.js';
import { allowedInEarlyFrames } from '../../src/core/frame-dispatch.js';
import { ClientHandshake, ServerHandshake } from '../../src/core/handshake.js';
import { defaultTransportParams, encodeFrame, frameLength, ReasonCode, type Frame } from '../../src/core/wire/index.js';
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { AeadId } from '../../src/crypto/provider.js';
import { generateKeyPair } from '../../src/crypto/x25519.js';
import { randomBytes } from 'node:crypto';

const provider = nodeProvider();
const serverKeys = generateKeyPair();
const CLIENT = { host: '10.0.0.1', port: 40_000 };
const SERVER = { host: '10.0.0.2', port: 443 };

function encodeFrames(frames: readonly Frame[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + frameLength(f), 0));
  let at = 0;
  for (const f of frames) at = encodeFrame(out, at, f);
  return out;
}

/** A server connection accepting an IK first message whose 0-RTT early frames are `early`. */
function serverWithEarlyFrames(early: readonly Frame[]): Connection {
  const clientCid = new Uint8Array(8).fill(9);
  const serverCid = new Uint8Array(8).fill(1);
  const client = ClientHandshake.create({
    mode: 'ik',
    serverKey: serverKeys.publicKey,
    params: { ...defaultTransportParams(clientCid), supportedAeads: [AeadId.Aes256Gcm] },
    provider,
    staticKeyPair: generateKeyPair(),
    earlyFrames: encodeFrames(early),
  })._unsafeUnwrap();
  const params = serverTransportParams(DEFAULT_TRANSPORT_CONFIG, provider, serverCid, clientCid, undefined);
  const accepted = ServerHandshake.accept({ params, provider, staticKeyPair: serverKeys, acceptEarlyData: true }, client.initialPayload()._unsafeUnwrap())._unsafeUnwrap();
  const init = {
    transport: DEFAULT_TRANSPORT_CONFIG,
    provider,
    randomBytes: (n: number) => new Uint8Array(randomBytes(n)),
    nowMs: 0,
    local: SERVER,
    remote: CLIENT,
    localCid: serverCid,
    remoteCid: clientCid,
  };
  return Connection.server(init, accepted, params, 1200);
}

const hello = new TextEncoder().encode('hello');

describe('0-RTT early frames', () => {
  it('DATA (and PADDING) are applied: the server has the bytes at once', () => {
    const server = serverWithEarlyFrames([{ type: 'data', offset: 0, data: hello, fin: false, explicitLength: true }, { type: 'padding', length: 3 }]);
    expect(server.state).toBe('established');
    expect(Buffer.from(server.read() ?? []).toString()).toBe('hello');
  });

  it.each<Frame>([
    { type: 'pathAbandon', pathId: 0, reasonCode: 0 },
    { type: 'ping' },
    { type: 'maxData', maximumData: 1 << 30 },
    { type: 'handshakeDone' },
  ])('a $type frame there is a PROTOCOL_VIOLATION, and nothing after it is applied', (frame) => {
    const server = serverWithEarlyFrames([frame, { type: 'data', offset: 0, data: hello, fin: false, explicitLength: true }]);
    expect(server.state).toBe('closing');
    const events = [];
    for (let e = server.pollEvent(); e !== undefined; e = server.pollEvent()) events.push(e);
    const closed = events.find((e) => e.type === 'closed');
    expect(closed).toMatchObject({ reasonCode: ReasonCode.ProtocolError, initiator: 'local' });
    expect(server.read()).toBeUndefined();
  });

  it('the allowance is by frame type', () => {
    expect(allowedInEarlyFrames({ type: 'data', offset: 0, data: hello, fin: true, explicitLength: true })).toBe(true);
    expect(allowedInEarlyFrames({ type: 'padding', length: 1 })).toBe(true);
    expect(allowedInEarlyFrames({ type: 'close', reasonCode: 0, applicationErrorCode: 0, reason: new Uint8Array(0) })).toBe(false);
  });
});
