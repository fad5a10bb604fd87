import { describe, expect, it } from 'vitest';
import { ClientHandshake, ServerHandshake, type ClientHandshakeConfig, type HandshakeOutcome } from '../../src/core/handshake.js';
import { defaultTransportParams, WIRE_VERSION } from '../../src/core/wire/index.js';
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { AeadId } from '../../src/crypto/provider.js';
import { generateKeyPair } from '../../src/crypto/x25519.js';
import { MptErrorCode } from '../../src/errors.js';

const provider = nodeProvider();
const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const psk = new Uint8Array(32).fill(7);
const serverConfig = {
  params: { ...defaultTransportParams(new Uint8Array([1, 2, 3, 4])), supportedAeads: [AeadId.Aes256Gcm, AeadId.ChaCha20Poly1305] },
  provider,
  staticKeyPair: serverKeys,
  psk,
  acceptEarlyData: true,
};

function client(overrides: Partial<ClientHandshakeConfig>): ClientHandshake {
  const config: ClientHandshakeConfig = {
    mode: 'xx',
    params: { ...defaultTransportParams(new Uint8Array([9, 9])), supportedAeads: [AeadId.ChaCha20Poly1305, AeadId.Aes256Gcm] },
    provider,
    staticKeyPair: clientKeys,
    ...overrides,
  };
  return ClientHandshake.create(config)._unsafeUnwrap();
}

/** Runs a whole handshake; returns both outcomes and what the server got as early data. */
function run(c: ClientHandshake): { client: HandshakeOutcome; server: HandshakeOutcome; early: Uint8Array } {
  const accepted = ServerHandshake.accept(serverConfig, c.initialPayload()._unsafeUnwrap())._unsafeUnwrap();
  const { reply, outcome } = c.readServerMessage(accepted.reply)._unsafeUnwrap();
  const server = reply === undefined ? accepted.handshake.outcome : accepted.handshake.readClientFinal(reply)._unsafeUnwrap();
  if (server === undefined) throw new Error('server did not complete');
  return { client: outcome, server, early: accepted.earlyFrames };
}

function assertMatchingKeys(a: HandshakeOutcome, b: HandshakeOutcome): void {
  expect(Buffer.from(a.handshakeHash).equals(b.handshakeHash)).toBe(true);
  const header = new Uint8Array([0x40, 1, 2, 3]);
  const payload = new TextEncoder().encode('hello over mpt');
  const sealed = a.send.seal(0, 0, header, payload);
  expect(Buffer.from(b.receive.open(0, 0, header, sealed) ?? []).toString()).toBe('hello over mpt');
  const back = b.send.seal(0, 0, header, payload);
  expect(a.receive.open(0, 0, header, back)).not.toBeNull();
}

describe('mpt handshake', () => {
  it('uses the wire version as Noise prologue', () => {
    expect(WIRE_VERSION).toBe(0x6d707401);
  });

  it('xx: completes in three messages; the client learns the server key; AEAD follows the client preference', () => {
    const r = run(client({ mode: 'xx' }));
    assertMatchingKeys(r.client, r.server);
    expect(Buffer.from(r.client.remoteStaticKey ?? []).equals(serverKeys.publicKey)).toBe(true);
    expect(Buffer.from(r.server.remoteStaticKey ?? []).equals(clientKeys.publicKey)).toBe(true);
    expect(r.client.aead).toBe(AeadId.ChaCha20Poly1305);
    expect(r.server.aead).toBe(AeadId.ChaCha20Poly1305);
    expect(Uint8Array.from(r.client.peerParams.initialSourceConnectionId)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(Uint8Array.from(r.server.peerParams.initialSourceConnectionId)).toEqual(new Uint8Array([9, 9]));
  });

  it('ik: completes in two messages and carries 0-RTT frames', () => {
    const early = new Uint8Array([0x01, 0x01, 0x01]);
    const r = run(client({ mode: 'ik', serverKey: serverKeys.publicKey, earlyFrames: early }));
    assertMatchingKeys(r.client, r.server);
    expect(Uint8Array.from(r.early)).toEqual(early);
  });

  it('psk: completes with the shared key and without static keys', () => {
    const r = run(client({ mode: 'psk', psk, staticKeyPair: undefined }));
    assertMatchingKeys(r.client, r.server);
    expect(r.client.remoteStaticKey).toBeUndefined();
  });

  it('ik pinning the wrong key fails at the server, which keeps no state', () => {
    const c = client({ mode: 'ik', serverKey: generateKeyPair().publicKey });
    const accepted = ServerHandshake.accept(serverConfig, c.initialPayload()._unsafeUnwrap());
    expect(accepted.isErr()).toBe(true);
  });

  it('xx: a rejected server key fails with its own code', () => {
    const c = client({ mode: 'xx', verifyServerKey: () => false });
    const accepted = ServerHandshake.accept(serverConfig, c.initialPayload()._unsafeUnwrap())._unsafeUnwrap();
    expect(c.readServerMessage(accepted.reply)._unsafeUnwrapErr().code).toBe(MptErrorCode.ServerKeyMismatch);
  });

  it('a psk mismatch fails', () => {
    const c = client({ mode: 'psk', psk: new Uint8Array(32).fill(8), staticKeyPair: undefined });
    expect(ServerHandshake.accept(serverConfig, c.initialPayload()._unsafeUnwrap()).isErr()).toBe(true);
  });

  it('a forged or corrupted server reply changes nothing; the genuine one still completes', () => {
    const c = client({ mode: 'xx' });
    const accepted = ServerHandshake.accept(serverConfig, c.initialPayload()._unsafeUnwrap())._unsafeUnwrap();
    const forged = accepted.reply.slice();
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    expect(c.readServerMessage(forged).isErr()).toBe(true);
    expect(c.readServerMessage(new Uint8Array(10)).isErr()).toBe(true);
    const { reply } = c.readServerMessage(accepted.reply)._unsafeUnwrap();
    expect(accepted.handshake.readClientFinal(reply as Uint8Array).isOk()).toBe(true);
  });

  it('refuses unknown modes, modes the server lacks keys for, and misconfigured clients', () => {
    expect(ServerHandshake.accept(serverConfig, new Uint8Array([9, 1, 2, 3]))._unsafeUnwrapErr().code).toBe(MptErrorCode.HandshakeFailed);
    expect(ServerHandshake.accept(serverConfig, new Uint8Array(0)).isErr()).toBe(true);
    const pskOnly = { ...serverConfig, staticKeyPair: undefined };
    expect(ServerHandshake.accept(pskOnly, client({ mode: 'xx' }).initialPayload()._unsafeUnwrap()).isErr()).toBe(true);
    const bad = ClientHandshake.create({ mode: 'ik', params: serverConfig.params, provider });
    expect(bad._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidConfig);
    const early = ClientHandshake.create({ mode: 'xx', params: serverConfig.params, provider, staticKeyPair: clientKeys, earlyFrames: new Uint8Array(1) });
    expect(early._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidConfig);
  });
});
