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
  });

  it('XX: the verification callback sees the server key and can reject it', () => {
    const init = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: true, staticKeyPair: client, verifyRemoteStatic: () => false });
    const resp = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: false, staticKeyPair: server });
    expect(init.remoteStaticKey).toBeUndefined();
    resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    const m2 = resp.writeMessage()._unsafeUnwrap();
    expect(init.readMessage(m2)._unsafeUnwrapErr().code).toBe(MptErrorCode.ServerKeyMismatch);
    expect(init.status).toBe('failed');
    expect(init.writeMessage()._unsafeUnwrapErr().code).toBe(MptErrorCode.InvalidState);
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
    const init = createHandshake({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: true, staticKeyPair: client, prologue: noisePrologue(0x6d707402), provider })._unsafeUnwrap();
    const resp = make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator: false, staticKeyPair: server });
    resp.readMessage(init.writeMessage()._unsafeUnwrap())._unsafeUnwrap();
    expect(init.readMessage(resp.writeMessage()._unsafeUnwrap()).isErr()).toBe(true);
  });
});

describe('state machine', () => {
  const server = generateKeyPair();
  const client = generateKeyPair();
  const xx = (initiator: boolean): HandshakeState =>
    make({ protocolName: MPT_NOISE_PROTOCOLS.xx, initiator, staticKeyPair: initiator ? client : server });

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
    expect(new TextDecoder().decode(init.readMessage(m2)._unsafeUnwrap())).toBe('payload');
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
