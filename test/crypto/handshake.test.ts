import { describe, expect, it } from 'vitest';
import { createHandshake, type HandshakeOptions, type HandshakeState } from '../../src/crypto/noise/handshake-state.js';
import { resolvePattern, parseProtocolName, BASE_PATTERN_NAMES } from '../../src/crypto/noise/patterns.js';
import { MPT_NOISE_PROTOCOLS, noisePrologue } from '../../src/crypto/mpt-suite.js';
import { nodeProvider } from '../../src/crypto/node-provider.js';
import { generateKeyPair } from '../../src/crypto/x25519.js';
import { MptErrorCode } from '../../src/errors.js';
import { WIRE_VERSION } from '../../src/core/wire/version.js';

const PROLOGUE = noisePrologue(WIRE_VERSION);

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const provider = nodeProvider();

function make(options: HandshakeOptions): HandshakeState {
  return createHandshake({ provider, prologue: PROLOGUE, ...options })._unsafeUnwrap();
}

/** Drives a full handshake; returns both states. */
function run(init: HandshakeState, resp: HandshakeState): void {
  let sender = init;
  let receiver = resp;
  let i = 0;
  while (init.status === 'in-progress') {
    const msg = sender.writeMessage(text(`m${i}`))._unsafeUnwrap();
    expect(new TextDecoder().decode(receiver.readMessage(msg)._unsafeUnwrap())).toBe(`m${i}`);
    [sender, receiver] = [receiver, sender];
    i++;
  }
  expect(resp.status).toBe('complete');
}

describe('patterns', () => {
  it('the mpt prologue is the wire version 1', () => {
    expect(toHex(PROLOGUE)).toBe('6d707401');
  });
  it('parses names and psk modifiers', () => {
    expect(resolvePattern('XXpsk3')._unsafeUnwrap().messages).toEqual([['e'], ['e', 'ee', 's', 'es'], ['s', 'se', 'psk']]);
    expect(resolvePattern('NNpsk0+psk2')._unsafeUnwrap().messages).toEqual([['psk', 'e'], ['e', 'ee', 'psk']]);
    expect(resolvePattern('IK')._unsafeUnwrap().responderPreMessage).toEqual(['s']);
    for (const bad of ['XY', 'XXpsk9', 'XXpsk1+psk1', 'XXfallback', 'NNpsk', '']) {
      expect(resolvePattern(bad).isErr(), bad).toBe(true);
    }
    expect(parseProtocolName('Noise_XX_448_AESGCM_SHA256').isErr()).toBe(true);
    expect(parseProtocolName('Noise_XX_25519_AESGCM_BLAKE2s').isErr()).toBe(true);
    expect(BASE_PATTERN_NAMES.length).toBe(38);
  });
});

describe('mpt handshakes', () => {
  const server = generateKeyPair();
  const client = generateKeyPair();

  it('IK: the client pins the server key; both ends agree on keys and hash', () => {
    const init = make({ protocolName: MPT_NOISE_PROTOCOLS.ik, initiator: true, staticKeyPair: client, remoteStaticKey: server.publicKey });
    let seen: Uint8Array | undefined;
    const resp = make({
      protocolName: MPT_NOISE_PROTOCOLS.ik,
      initiator: false,
      staticKeyPair: server,
      verifyRemoteStatic: (k) => {
        seen = k;
        return true;
      },
    });
    run(init, resp);
    expect(toHex(seen ?? new Uint8Array())).toBe(toHex(client.publicKey));
    const a = init.split()._unsafeUnwrap();
    const b = resp.split()._unsafeUnwrap();
    expect(toHex(a.handshakeHash)).toBe(toHex(b.handshakeHash));
    expect(toHex(a.keys.initiatorToResponder)).toBe(toHex(b.keys.initiatorToResponder));
    const ct = a.send.encryptWithAd(new Uint8Array(0), text('hi'))._unsafeUnwrap();
    expect(new TextDecoder().decode(b.receive.decryptWithAd(new Uint8Array(0), ct)._unsafeUnwrap())).toBe('hi');
    expect(init.split()._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
  });

  it('IK: a client pinning the wrong key cannot complete', () => {
    const init = make({ protocolName: MPT_NOISE_PROTOCOLS.ik, initiator: true, staticKeyPair: client, remoteStaticKey: generateKeyPair().publicKey });
    const resp = make({ protocolName: MPT_NOISE_PROTOCOLS.ik, initiator: false, staticKeyPair: server });
    const m1 = init.writeMessage()._unsafeUnwrap();
    expect(resp.readMessage(m1)._unsafeUnwrapErr().code).toBe(MptErrorCode.HandshakeFailed);
    // Refused, not failed: the server keeps waiting, but this client's
    // message never reads, so the server never answers it.
    expect(resp.rejectedMessages).toBe(1);
    expect(resp.readMessage(m1)._unsafeUnwrapErr().code).toBe(MptErrorCode.HandshakeFailed);
    expect(resp.rejectedMessages).toBe(2);
    expect(resp.status).toBe('in-progress');
    expect(resp.isMyTurn).toBe(false);
    expect(init.status).toBe('in-progress');
    expect(init.split().isErr()).toBe(true);
  });

  it('XX: the verification callback sees the server key and can reject it without failing the handshake', () => {
    const seen: string[] = [];
    const init = make({
      protocolName: MPT_NOISE_PROTOCOLS.xx,
      initiator: true,
      staticKeyPair: client,
      verifyRemoteStatic: (k) => {
        seen.push(toHex(k));
        return false;
      },
    });
    const resp = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: false, staticKeyPair: server });
    expect(init.remoteStaticKey).toBeUndefined();
    resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    const h = toHex(init.handshakeHash);
    const m2 = resp.writeMessage()._unsafeUnwrap();
    expect(init.readMessage(m2)._unsafeUnwrapErr().code).toBe(MptErrorCode.ServerKeyMismatch);
    expect(seen).toEqual([toHex(server.publicKey)]);
    // Rolled back like a message that failed to decrypt.
    expect(init.status).toBe('in-progress');
    expect(init.rejectedMessages).toBe(1);
    expect(init.remoteStaticKey).toBeUndefined();
    expect(toHex(init.handshakeHash)).toBe(h);
    expect(init.writeMessage()._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
    expect(init.split().isErr()).toBe(true);
  });

  it('XX: a forged message 2 under an attacker key is refused and the genuine one still completes', () => {
    const pinned = toHex(server.publicKey);
    const init = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: true, staticKeyPair: client, verifyRemoteStatic: (k) => toHex(k) === pinned });
    const resp = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: false, staticKeyPair: server });
    const attacker = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: false, staticKeyPair: generateKeyPair() });
    // Message 1 is in clear: the attacker on path reads it as well as the server.
    const m1 = init.writeMessage(text('params'))._unsafeUnwrap();
    attacker.readMessage(m1)._unsafeUnwrap();
    resp.readMessage(m1)._unsafeUnwrap();
    // The attacker is closer and answers first with a well-formed message 2.
    const forged = attacker.writeMessage(text('evil'))._unsafeUnwrap();
    expect(init.readMessage(forged)._unsafeUnwrapErr().code).toBe(MptErrorCode.ServerKeyMismatch);
    expect(init.status).toBe('in-progress');
    expect(init.rejectedMessages).toBe(1);
    const genuine = resp.writeMessage(text('m1'))._unsafeUnwrap();
    expect(new TextDecoder().decode(init.readMessage(genuine)._unsafeUnwrap())).toBe('m1');
    resp.readMessage(init.writeMessage(text('m2'))._unsafeUnwrap())._unsafeUnwrap();
    expect(init.status).toBe('complete');
    expect(resp.status).toBe('complete');
    expect(toHex(init.remoteStaticKey ?? new Uint8Array())).toBe(pinned);
    const a = init.split()._unsafeUnwrap();
    const b = resp.split()._unsafeUnwrap();
    expect(toHex(a.handshakeHash)).toBe(toHex(b.handshakeHash));
    expect(toHex(a.keys.responderToInitiator)).toBe(toHex(b.keys.responderToInitiator));
    expect(init.rejectedMessages).toBe(1);
  });

  it('XX: a responder that refuses the client key (or whose callback throws) rolls back too', () => {
    const answers: (() => boolean)[] = [
      () => false,
      () => {
        throw new Error('callback bug');
      },
      () => true,
    ];
    const init = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: true, staticKeyPair: client, verifyRemoteStatic: () => true });
    const resp = make({
      protocolName: MPT_NOISE_PROTOCOLS.xx,
      initiator: false,
      staticKeyPair: server,
      verifyRemoteStatic: () => (answers.shift() ?? (() => false))(),
    });
    resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    init.readMessage(resp.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    const m3 = init.writeMessage(text('last'))._unsafeUnwrap();
    const h = toHex(resp.handshakeHash);
    expect(resp.readMessage(m3)._unsafeUnwrapErr().code).toBe(MptErrorCode.HandshakeFailed);
    expect(resp.readMessage(m3)._unsafeUnwrapErr().code).toBe(MptErrorCode.HandshakeFailed);
    expect(resp.rejectedMessages).toBe(2);
    expect(resp.status).toBe('in-progress');
    expect(resp.remoteStaticKey).toBeUndefined();
    expect(toHex(resp.handshakeHash)).toBe(h);
    expect(new TextDecoder().decode(resp.readMessage(m3)._unsafeUnwrap())).toBe('last');
    expect(toHex(resp.handshakeHash)).toBe(toHex(init.handshakeHash));
  });

  it('XX: accepts and exposes the learned key', () => {
    const init = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: true, staticKeyPair: client, verifyRemoteStatic: () => true });
    const resp = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: false, staticKeyPair: server });
    run(init, resp);
    expect(toHex(init.remoteStaticKey ?? new Uint8Array())).toBe(toHex(server.publicKey));
    expect(toHex(resp.remoteStaticKey ?? new Uint8Array())).toBe(toHex(client.publicKey));
  });

  it('PSK: NNpsk0 completes with the same key and fails with another', () => {
    const psk = new Uint8Array(32).fill(9);
    const ok1 = make({ protocolName: MPT_NOISE_PROTOCOLS.psk, initiator: true, psks: [psk] });
    const ok2 = make({ protocolName: MPT_NOISE_PROTOCOLS.psk, initiator: false, psks: [psk] });
    run(ok1, ok2);
    const bad1 = make({ protocolName: MPT_NOISE_PROTOCOLS.psk, initiator: true, psks: [psk] });
    const bad2 = make({ protocolName: MPT_NOISE_PROTOCOLS.psk, initiator: false, psks: [new Uint8Array(32)] });
    expect(bad2.readMessage(bad1.writeMessage()._unsafeUnwrap()).isErr()).toBe(true);
  });

  it('a different prologue (version) fails the first authenticated message', () => {
    const init = createHandshake({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: true, staticKeyPair: client, prologue: noisePrologue(0x6d707402), provider, verifyRemoteStatic: () => true })._unsafeUnwrap();
    const resp = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: false, staticKeyPair: server });
    resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    expect(init.readMessage(resp.writeMessage()._unsafeUnwrap()).isErr()).toBe(true);
  });
});

describe('state machine', () => {
  const server = generateKeyPair();
  const client = generateKeyPair();
  // Trust on first use, stated explicitly as an XX initiator must.
  const xx = (initiator: boolean): HandshakeState =>
    make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator, staticKeyPair: initiator ? client : server, ...(initiator ? { verifyRemoteStatic: () => true } : {}) });

  it('refuses out-of-turn calls without changing anything', () => {
    const init = xx(true);
    const resp = xx(false);
    expect(init.isMyTurn).toBe(true);
    expect(resp.isMyTurn).toBe(false);
    expect(init.readMessage(new Uint8Array(48))._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
    expect(resp.writeMessage()._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
    expect(init.split()._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
    run(init, resp);
    expect(init.writeMessage()._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
    expect(resp.readMessage(new Uint8Array(64))._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
  });

  it('a forged or corrupted message is refused and the real one still completes', () => {
    const init = xx(true);
    const resp = xx(false);
    resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    const h = toHex(init.handshakeHash);
    const m2 = resp.writeMessage(text('payload'))._unsafeUnwrap();
    for (const bad of [new Uint8Array(0), new Uint8Array(10), m2.subarray(0, m2.length - 1), new Uint8Array(m2.length), new Uint8Array(70000)]) {
      expect(init.readMessage(bad)._unsafeUnwrapErr().code).toBe(MptErrorCode.HandshakeFailed);
    }
    for (let bit = 0; bit < m2.length * 8; bit += 13) {
      const flipped = Uint8Array.from(m2);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(init.readMessage(flipped).isErr()).toBe(true);
    }
    expect(toHex(init.handshakeHash)).toBe(h);
    expect(init.status).toBe('in-progress');
    const refused = init.rejectedMessages;
    expect(refused).toBe(5 + Math.ceil((m2.length * 8) / 13));
    expect(new TextDecoder().decode(init.readMessage(m2)._unsafeUnwrap())).toBe('payload');
    expect(init.rejectedMessages).toBe(refused);
    resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    expect(toHex(init.handshakeHash)).toBe(toHex(resp.handshakeHash));
  });

  it('validates options', () => {
    const code = (o: HandshakeOptions): string => createHandshake({ provider, ...o })._unsafeUnwrapErr().code;
    expect(code({ protocolName: 'Noise_ZZ_25519_AESGCM_SHA256', initiator: true })).toBe(MptErrorCode.InvalidConfig);
    expect(code({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: true })).toBe(MptErrorCode.InvalidConfig);
    expect(code({ protocolName: MPT_NOISE_PROTOCOLS.ik, initiator: true, staticKeyPair: client })).toBe(MptErrorCode.InvalidConfig);
    expect(code({ protocolName: MPT_NOISE_PROTOCOLS.psk, initiator: true })).toBe(MptErrorCode.InvalidConfig);
    expect(code({ protocolName: MPT_NOISE_PROTOCOLS.psk, initiator: true, psks: [new Uint8Array(16)] })).toBe(MptErrorCode.InvalidKey);
    expect(code({ protocolName: MPT_NOISE_PROTOCOLS.ik, initiator: true, staticKeyPair: client, remoteStaticKey: new Uint8Array(31) })).toBe(MptErrorCode.InvalidKey);
    const noChacha = { name: 'aes-only', aeads: [1 as const], createAead: provider.createAead };
    expect(code({ protocolName: 'Noise_NN_25519_ChaChaPoly_SHA256', initiator: true, provider: noChacha })).toBe(MptErrorCode.UnsupportedCipher);
  });

  it('refuses an initiator that would learn the server key with nothing to check it', () => {
    const result = (o: HandshakeOptions) => createHandshake({ provider, ...o });
    const trust = { verifyRemoteStatic: () => true };
    for (const name of ['XX', 'NX', 'KX', 'IX', 'NX1', 'X1X1', 'XXpsk3']) {
      const psks = name.includes('psk') ? { psks: [new Uint8Array(32)] } : {};
      // KX pre-shares the client key with the server.
      const preShared = name.startsWith('K');
      const base = { protocolName: `Noise_${name}_25519_AESGCM_SHA256`, ...psks };
      const initiator = { ...base, initiator: true, staticKeyPair: client };
      const refused = result(initiator);
      expect(refused.isErr() && refused.error.code, name).toBe(MptErrorCode.InvalidConfig);
      expect(refused.isErr() && refused.error.message, name).toMatch(/verifyRemoteStatic/);
      expect(result({ ...initiator, ...trust }).isOk(), name).toBe(true);
      // The responder side stays optional: servers need not authenticate clients.
      const responder = { ...base, initiator: false, staticKeyPair: server, ...(preShared ? { remoteStaticKey: client.publicKey } : {}) };
      expect(result(responder).isOk(), name).toBe(true);
    }
    // The server key pre-shared (IK, NK, XK, KK, N, X) or never sent (NN): no callback needed.
    for (const name of ['IK', 'NK', 'XK', 'KK', 'N', 'X', 'NN']) {
      const remote = name === 'NN' ? {} : { remoteStaticKey: server.publicKey };
      const local = name.startsWith('N') ? {} : { staticKeyPair: client };
      expect(result({ protocolName: `Noise_${name}_25519_AESGCM_SHA256`, initiator: true, ...local, ...remote }).isOk(), name).toBe(true);
    }
  });

  it('refuses a payload that would exceed 65535 bytes, without changing state', () => {
    const init = xx(true);
    expect(init.writeMessage(new Uint8Array(65535 - 31))._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidConfig);
    expect(init.writeMessage(new Uint8Array(65535 - 32)).isOk()).toBe(true);
  });

  it('takes its ephemeral from an injected random source (deterministic)', () => {
    const seeded = (): ((n: number) => Uint8Array) => {
      let c = 0;
      return (n) => Uint8Array.from({ length: n }, () => (c++ * 31 + 7) & 0xff);
    };
    const a = make({ protocolName: 'Noise_NN_25519_AESGCM_SHA256', initiator: true, randomBytes: seeded() });
    const b = make({ protocolName: 'Noise_NN_25519_AESGCM_SHA256', initiator: true, randomBytes: seeded() });
    expect(toHex(a.writeMessage()._unsafeUnwrap())).toBe(toHex(b.writeMessage()._unsafeUnwrap()));
  });
});
