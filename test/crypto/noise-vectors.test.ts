import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeHasChaCha20Poly1305, nodeProvider } from '../../src/crypto/node-provider.js';
import { sodiumProvider } from '../../src/crypto/sodium-provider.js';
import { AeadId, type CryptoProvider } from '../../src/crypto/provider.js';
import { keyPairFromPrivate, type KeyPair } from '../../src/crypto/x25519.js';
import { createHandshake, type HandshakeState } from '../../src/crypto/noise/handshake-state.js';
import { parseProtocolName } from '../../src/crypto/noise/patterns.js';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_ephemeral: string;
  init_static?: string;
  init_remote_static?: string;
  init_psks?: string[];
  resp_prologue: string;
  resp_ephemeral?: string;
  resp_static?: string;
  resp_remote_static?: string;
  resp_psks?: string[];
  messages: { payload: string; ciphertext: string }[];
  handshake_hash?: string;
}

const vectors = (
  JSON.parse(readFileSync(new URL('../vectors/noise-25519-sha256.json', import.meta.url), 'utf8')) as {
    vectors: Vector[];
  }
).vectors;

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function pair(priv: string | undefined): KeyPair | undefined {
  return priv === undefined ? undefined : keyPairFromPrivate(hex(priv));
}

function side(v: Vector, initiator: boolean, provider: CryptoProvider): HandshakeState {
  const p = initiator ? 'init' : 'resp';
  const get = (k: string): string | undefined => (v as unknown as Record<string, string | undefined>)[`${p}_${k}`];
  const psks = (initiator ? v.init_psks : v.resp_psks)?.map(hex);
  const remote = get('remote_static');
  const eph = get('ephemeral');
  const hs = createHandshake({
    protocolName: v.protocol_name,
    initiator,
    prologue: hex(get('prologue') ?? ''),
    staticKeyPair: pair(get('static')),
    remoteStaticKey: remote === undefined ? undefined : hex(remote),
    psks,
    ephemeralPrivateKey: eph === undefined ? undefined : hex(eph),
    provider,
    // Known-answer vectors: whatever static key they carry is the right one.
    verifyRemoteStatic: () => true,
  });
  if (hs.isErr()) throw hs.error;
  return hs.value;
}

/** Runs one vector end to end; returns the number of messages checked. */
function runVector(v: Vector, provider: CryptoProvider): number {
  const init = side(v, true, provider);
  const resp = side(v, false, provider);
  const pattern = init.pattern;
  const handshakeCount = pattern.messages.length;
  let checked = 0;
  let transport: { i: ReturnType<typeof init.split>; r: ReturnType<typeof resp.split> } | undefined;
  v.messages.forEach((m, index) => {
    const fromInitiator = pattern.oneWay || index % 2 === 0;
    const payload = hex(m.payload);
    let ciphertext: Uint8Array;
    let received: Uint8Array;
    if (index < handshakeCount) {
      const [sender, receiver] = fromInitiator ? [init, resp] : [resp, init];
      ciphertext = sender.writeMessage(payload)._unsafeUnwrap();
      expect(toHex(ciphertext), `${v.protocol_name} message ${index}`).toBe(m.ciphertext);
      received = receiver.readMessage(ciphertext)._unsafeUnwrap();
    } else {
      transport ??= { i: init.split(), r: resp.split() };
      const i = transport.i._unsafeUnwrap();
      const r = transport.r._unsafeUnwrap();
      const [send, recv] = fromInitiator ? [i.send, r.receive] : [r.send, i.receive];
      ciphertext = send.encryptWithAd(new Uint8Array(0), payload)._unsafeUnwrap();
      expect(toHex(ciphertext), `${v.protocol_name} transport ${index}`).toBe(m.ciphertext);
      received = recv.decryptWithAd(new Uint8Array(0), ciphertext)._unsafeUnwrap();
    }
    expect(toHex(received)).toBe(m.payload);
    checked++;
  });
  expect(init.status).toBe('complete');
  expect(resp.status).toBe('complete');
  // snow.txt vectors carry no handshake hash; both sides must still agree.
  expect(toHex(init.handshakeHash)).toBe(toHex(resp.handshakeHash));
  if (v.handshake_hash !== undefined) expect(toHex(init.handshakeHash)).toBe(v.handshake_hash);
  return checked;
}

const patternOf = (v: Vector): string => v.protocol_name.split('_')[1] ?? '';
const supported = vectors.filter((v) => parseProtocolName(v.protocol_name).isOk());
const aesgcm = supported.filter((v) => v.protocol_name.includes('_AESGCM_'));
const chacha = supported.filter((v) => v.protocol_name.includes('_ChaChaPoly_'));

describe('Noise vector file', () => {
  it('is fully covered by the implemented patterns', () => {
    const unsupported = vectors.filter((v) => parseProtocolName(v.protocol_name).isErr()).map((v) => v.protocol_name);
    expect(unsupported).toEqual([]);
    expect(vectors.length).toBeGreaterThanOrEqual(220);
    expect(aesgcm.length).toBeGreaterThanOrEqual(110);
    expect(chacha.length).toBeGreaterThanOrEqual(110);
    expect(vectors.filter((v) => v.handshake_hash !== undefined).length).toBeGreaterThanOrEqual(118);
    const patterns = new Set(aesgcm.map(patternOf));
    for (const p of ['IK', 'XX', 'NNpsk0', 'XXpsk3', 'N', 'K', 'X', 'NK1', 'XXpsk0+psk1+psk2+psk3']) {
      expect(patterns.has(p), p).toBe(true);
    }
  });
});

function suite(label: string, provider: CryptoProvider, list: Vector[]): void {
  describe(label, () => {
    it.each(list.map((v, i) => [`${i} ${v.protocol_name}`, v] as const))('%s', (_name, v) => {
      expect(runVector(v, provider)).toBe(v.messages.length);
    });
    it(`ran ${list.length} vectors`, () => {
      expect(list.length).toBeGreaterThanOrEqual(110);
    });
  });
}

const node = nodeProvider();
suite('node:crypto AESGCM vectors', node, aesgcm);
if (node.aeads.includes(AeadId.ChaCha20Poly1305)) {
  suite('node:crypto ChaChaPoly vectors', node, chacha);
} else {
  // Electron's BoringSSL: the sodium suite below covers ChaChaPoly instead.
  it('node:crypto has no chacha20-poly1305 cipher in this runtime', () => {
    expect(nodeHasChaCha20Poly1305()).toBe(false);
  });
}
const sodium = sodiumProvider();
if (sodium !== undefined) {
  suite('sodium-native ChaChaPoly vectors', sodium, chacha);
} else {
  it('sodium-native is not installed, so only node:crypto runs the vectors', () => {
    expect(sodium).toBeUndefined();
  });
}
