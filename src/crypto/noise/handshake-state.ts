import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../../errors.js';
import { defaultProvider } from '../default-provider.js';
import { AEAD_KEY_LENGTH, AEAD_TAG_LENGTH, AeadId, type CryptoProvider } from '../provider.js';
import type { RandomBytes } from '../random.js';
import { X25519_KEY_LENGTH, forgetPrivateKey, generateKeyPair, keyPairFromPrivate, x25519, type KeyPair } from '../x25519.js';
import { CipherState, aeadFactory, type AeadFactory } from './cipher-state.js';
import { parseProtocolName, type HandshakePattern, type Token } from './patterns.js';
import { SymmetricState, type SplitKeys } from './symmetric-state.js';

/** Largest Noise message, in bytes (Noise rev 34 §3). */
export const NOISE_MAX_MESSAGE_LENGTH = 65535;

/** Options of {@link createHandshake}. All keys are raw 32-byte X25519 keys. */
export interface HandshakeOptions {
  /** Full Noise protocol name, e.g. `Noise_IK_25519_AESGCM_SHA256`. */
  readonly protocolName: string;
  /** True on the side that sends the first message. */
  readonly initiator: boolean;
  /** Prologue both sides must agree on (§6); mpt binds its version here. Default empty. */
  readonly prologue?: Uint8Array | undefined;
  /** Our static key pair, required when the pattern sends or pre-shares ours. */
  readonly staticKeyPair?: KeyPair | undefined;
  /** The peer's static public key, required when the pattern pre-shares it (IK, NK, ...). */
  readonly remoteStaticKey?: Uint8Array | undefined;
  /** Pre-shared symmetric keys, 32 bytes each, in the order the psk tokens use them (§9). */
  readonly psks?: readonly Uint8Array[] | undefined;
  /** Fixed ephemeral private key: for test vectors only; never reuse one. */
  readonly ephemeralPrivateKey?: Uint8Array | undefined;
  /** Random source for the ephemeral key when none is fixed; default node:crypto. */
  readonly randomBytes?: RandomBytes | undefined;
  /** AEAD provider for the handshake cipher; default {@link defaultProvider}. */
  readonly provider?: CryptoProvider | undefined;
  /**
   * Called with the peer's static public key each time a message that
   * carried it has been fully authenticated. Return false to reject it (key
   * pinning, an application check); a callback that throws counts as a
   * rejection. A rejected message is dropped as if it had not decrypted:
   * readMessage returns ERR_MPT_SERVER_KEY_MISMATCH on the initiator or
   * ERR_MPT_HANDSHAKE_FAILED on the responder, nothing changes, and the
   * genuine message can still be read (see
   * {@link HandshakeState.rejectedMessages}).
   *
   * **Required on an initiator whose pattern sends the responder's static
   * key during the handshake** (XX, NX, KX, IX and their deferred forms):
   * without it any key, a man in the middle's included, would be accepted,
   * so {@link createHandshake} refuses with ERR_MPT_INVALID_CONFIG. Trust on
   * first use must be asked for explicitly: `verifyRemoteStatic: () => true`.
   * Optional on a responder: client authentication is the server's choice,
   * and without a callback a responder accepts any initiator key (it is
   * still exposed as {@link HandshakeState.remoteStaticKey}).
   */
  readonly verifyRemoteStatic?: ((remoteStaticKey: Uint8Array) => boolean) | undefined;
}

/** Where a handshake stands. */
export type HandshakeStatus = 'in-progress' | 'complete' | 'failed';

/** What a finished handshake yields (Noise rev 34 §5.2 Split, §11.2). */
export interface HandshakeResult {
  /** CipherState for messages we send. */
  readonly send: CipherState;
  /** CipherState for messages we receive (unused by a one-way initiator, §7.4). */
  readonly receive: CipherState;
  /** Raw Split() keys, input to mpt's packet key schedule. */
  readonly keys: SplitKeys;
  /** The final handshake hash h, 32 bytes: a channel binding for the session. */
  readonly handshakeHash: Uint8Array;
}

function fail(code: MptErrorCode, message: string): Result<never, MptError> {
  return err(new MptError(code, message));
}

function uses(pattern: HandshakePattern, initiator: boolean, token: 's' | 'e'): boolean {
  const pre = initiator ? pattern.initiatorPreMessage : pattern.responderPreMessage;
  if (pre.includes(token)) return true;
  return sends(pattern, initiator, token);
}

/** Whether that side transmits `token` in one of its handshake messages (not a pre-message). */
function sends(pattern: HandshakePattern, initiator: boolean, token: 's' | 'e'): boolean {
  return pattern.messages.some((m, i) => i % 2 === (initiator ? 0 : 1) && m.includes(token));
}

/**
 * A Noise HandshakeState (Noise rev 34 §5.3) driven by a token table, so any
 * pattern of {@link resolvePattern} works. It is a strict state machine:
 * writing out of turn, reading out of turn or using it after completion
 * returns an error and changes nothing. A message that fails to read, or
 * whose static key `verifyRemoteStatic` rejects, also changes nothing, so a
 * forged datagram cannot kill a handshake in progress.
 */
export class HandshakeState {
  /** The resolved pattern, with modifiers. */
  readonly pattern: HandshakePattern;
  /** True on the side that sends the first message. */
  readonly initiator: boolean;
  private readonly symmetric: SymmetricState;
  private readonly factory: AeadFactory;
  private readonly cipher: AeadId;
  private readonly s: KeyPair | undefined;
  private e: KeyPair | undefined = undefined;
  private rs: Uint8Array | undefined;
  private re: Uint8Array | undefined = undefined;
  private readonly psks: Uint8Array[];
  private pskIndex = 0;
  private readonly makeEphemeral: () => KeyPair | undefined;
  private readonly verify: ((key: Uint8Array) => boolean) | undefined;
  private messageIndex = 0;
  private rejected = 0;
  private state: HandshakeStatus = 'in-progress';
  private result: HandshakeResult | undefined = undefined;
  private splitTaken = false;

  /** Use {@link createHandshake}, which validates the options. */
  constructor(
    options: HandshakeOptions,
    pattern: HandshakePattern,
    factory: AeadFactory,
    cipher: AeadId,
  ) {
    this.pattern = pattern;
    this.initiator = options.initiator;
    this.factory = factory;
    this.cipher = cipher;
    this.s = options.staticKeyPair;
    this.rs = options.remoteStaticKey === undefined ? undefined : Uint8Array.from(options.remoteStaticKey);
    this.psks = (options.psks ?? []).map((k) => Uint8Array.from(k));
    this.verify = options.verifyRemoteStatic;
    const fixed = options.ephemeralPrivateKey;
    const random = options.randomBytes;
    this.makeEphemeral =
      fixed !== undefined
        ? () => keyPairFromPrivate(fixed)
        : random !== undefined
          ? () => {
              const raw = random(X25519_KEY_LENGTH);
              const pair = keyPairFromPrivate(raw);
              raw.fill(0); // the pair holds its own copy
              return pair;
            }
          : () => generateKeyPair();

    // Initialize() (§5.3): protocol name, prologue, then the pre-message
    // public keys, initiator's first.
    this.symmetric = new SymmetricState(options.protocolName, factory, cipher);
    this.symmetric.mixHash(options.prologue ?? new Uint8Array(0));
    for (const side of [true, false]) {
      const pre = side ? pattern.initiatorPreMessage : pattern.responderPreMessage;
      for (const token of pre) {
        // Only `s` pre-messages exist in the table (no fallback patterns).
        const key = side === this.initiator ? this.s?.publicKey : this.rs;
        if (token === 's' && key !== undefined) this.symmetric.mixHash(key);
      }
    }
  }

  /** Where the handshake stands. */
  get status(): HandshakeStatus {
    return this.state;
  }

  /** True when the next call must be {@link HandshakeState.writeMessage}. */
  get isMyTurn(): boolean {
    return this.state === 'in-progress' && this.messageIndex % 2 === (this.initiator ? 0 : 1);
  }

  /** The peer's static public key once known (pre-shared or received), else undefined. */
  get remoteStaticKey(): Uint8Array | undefined {
    return this.rs === undefined ? undefined : Uint8Array.from(this.rs);
  }

  /** The current handshake hash h, 32 bytes; final once the handshake is complete. */
  get handshakeHash(): Uint8Array {
    return this.symmetric.handshakeHash;
  }

  /**
   * How many messages {@link HandshakeState.readMessage} has refused so far
   * (too long, too short, not authentic, or carrying a static key that
   * `verifyRemoteStatic` rejected). Each refusal leaves the handshake as it
   * was, so that an on-path attacker cannot kill it with one forgery; the
   * engine bounds the cost instead, giving up once this passes a limit of
   * its choosing. Out-of-turn reads are API misuse and are not counted.
   */
  get rejectedMessages(): number {
    return this.rejected;
  }

  private checkTurn(write: boolean): Result<readonly Token[], MptError> {
    if (this.state === 'failed') return fail(MptErrorCode.InvalidState, 'the handshake has failed');
    if (this.state === 'complete') return fail(MptErrorCode.InvalidState, 'the handshake is already complete');
    if (this.isMyTurn !== write) {
      return fail(MptErrorCode.InvalidState, write ? 'not our turn to write' : 'not our turn to read');
    }
    const tokens = this.pattern.messages[this.messageIndex];
    if (tokens === undefined) return fail(MptErrorCode.InvalidState, 'no handshake message left');
    return ok(tokens);
  }

  /** DH(ours, theirs) for a DH token from our point of view (§5.3). */
  private dh(token: 'ee' | 'es' | 'se' | 'ss'): Uint8Array | undefined {
    // The first letter is the initiator's key, the second the responder's.
    const first = token[0] === 'e' ? 'e' : 's';
    const second = token[1] === 'e' ? 'e' : 's';
    const mine = this.initiator ? first : second;
    const theirs = this.initiator ? second : first;
    const priv = mine === 'e' ? this.e?.privateKey : this.s?.privateKey;
    const pub = theirs === 'e' ? this.re : this.rs;
    if (priv === undefined || pub === undefined) return undefined;
    return x25519(priv, pub);
  }

  /**
   * The `psk` and DH tokens, which read and write handle identically (§5.3,
   * §9.2): both sides mix the same secret. Fails only when a DH has a key
   * missing or yields all zeros.
   */
  private mixSharedToken(t: 'psk' | 'ee' | 'es' | 'se' | 'ss'): Result<void, MptError> {
    if (t === 'psk') {
      // createHandshake checked that there is one psk per token.
      this.symmetric.mixKeyAndHash(this.psks[this.pskIndex++] as Uint8Array);
      return ok(undefined);
    }
    const shared = this.dh(t);
    if (shared === undefined) return fail(MptErrorCode.HandshakeFailed, `X25519 failed on ${t}`);
    this.symmetric.mixKey(shared);
    return ok(undefined);
  }

  /** Bytes a message will take, computed before any state changes. */
  private messageLength(tokens: readonly Token[], payloadLength: number): number {
    let keyed = this.symmetric.hasKey();
    let length = 0;
    for (const t of tokens) {
      if (t === 'e') {
        length += X25519_KEY_LENGTH;
        if (this.pattern.pskCount > 0) keyed = true;
      } else if (t === 's') {
        length += X25519_KEY_LENGTH + (keyed ? AEAD_TAG_LENGTH : 0);
      } else {
        keyed = true;
      }
    }
    return length + payloadLength + (keyed ? AEAD_TAG_LENGTH : 0);
  }

  /**
   * WriteMessage(payload) (§5.3): returns the next handshake message. Errors:
   * ERR_MPT_INVALID_STATE out of turn or after the end (state unchanged),
   * ERR_MPT_INVALID_CONFIG when the message would exceed 65535 bytes (state
   * unchanged), ERR_MPT_HANDSHAKE_FAILED when a DH fails (the handshake is
   * then failed).
   */
  writeMessage(payload: Uint8Array = new Uint8Array(0)): Result<Uint8Array, MptError> {
    const turn = this.checkTurn(true);
    if (turn.isErr()) return err(turn.error);
    const tokens = turn.value;
    const total = this.messageLength(tokens, payload.length);
    if (total > NOISE_MAX_MESSAGE_LENGTH) {
      return fail(MptErrorCode.InvalidConfig, `Noise message too long: ${total} bytes`);
    }
    const out = new Uint8Array(total);
    let at = 0;
    const step = (): Result<void, MptError> => {
      for (const t of tokens) {
        switch (t) {
          case 'e': {
            const e = this.makeEphemeral();
            if (e === undefined) return fail(MptErrorCode.InvalidKey, 'bad ephemeral private key');
            this.e = e;
            out.set(e.publicKey, at);
            at += X25519_KEY_LENGTH;
            this.symmetric.mixHash(e.publicKey);
            if (this.pattern.pskCount > 0) this.symmetric.mixKey(e.publicKey);
            break;
          }
          case 's': {
            const s = this.s;
            if (s === undefined) return fail(MptErrorCode.InvalidKey, 'no static key');
            const ct = this.symmetric.encryptAndHash(s.publicKey);
            if (ct.isErr()) return err(ct.error);
            out.set(ct.value, at);
            at += ct.value.length;
            break;
          }
          default: {
            const mixed = this.mixSharedToken(t);
            if (mixed.isErr()) return err(mixed.error);
          }
        }
      }
      const ct = this.symmetric.encryptAndHash(payload);
      if (ct.isErr()) return err(ct.error);
      out.set(ct.value, at);
      return ok(undefined);
    };
    const done = step();
    if (done.isErr()) {
      this.state = 'failed';
      return err(done.error);
    }
    this.advance();
    return ok(out);
  }

  /**
   * ReadMessage(message) (§5.3): consumes the peer's next handshake message
   * and returns its payload. On any failure nothing changes, the failure is
   * counted in {@link HandshakeState.rejectedMessages}, and the caller may
   * read another candidate: ERR_MPT_HANDSHAKE_FAILED for a short, long or
   * unauthentic message, or for an initiator static key that
   * `verifyRemoteStatic` refused; ERR_MPT_SERVER_KEY_MISMATCH for a
   * responder static key it refused. A refused key must not end the
   * handshake: in XX, message 1 is in clear, so anyone on path can answer it
   * with a well-formed message 2 under their own static key before the
   * genuine server does. Out of turn: ERR_MPT_INVALID_STATE, not counted.
   */
  readMessage(message: Uint8Array): Result<Uint8Array, MptError> {
    const turn = this.checkTurn(false);
    if (turn.isErr()) return err(turn.error);
    const tokens = turn.value;
    if (message.length > NOISE_MAX_MESSAGE_LENGTH) {
      this.rejected++;
      return fail(MptErrorCode.HandshakeFailed, 'Noise message too long');
    }
    const restore = this.symmetric.snapshot();
    const savedRe = this.re;
    const savedRs = this.rs;
    const pskIndex = this.pskIndex;
    let at = 0;
    let learnedStatic = false;
    const step = (): Result<Uint8Array, MptError> => {
      for (const t of tokens) {
        switch (t) {
          case 'e': {
            if (message.length - at < X25519_KEY_LENGTH) return fail(MptErrorCode.HandshakeFailed, 'short message');
            const re = message.slice(at, at + X25519_KEY_LENGTH);
            at += X25519_KEY_LENGTH;
            this.re = re;
            this.symmetric.mixHash(re);
            if (this.pattern.pskCount > 0) this.symmetric.mixKey(re);
            break;
          }
          case 's': {
            const len = X25519_KEY_LENGTH + (this.symmetric.hasKey() ? AEAD_TAG_LENGTH : 0);
            if (message.length - at < len) return fail(MptErrorCode.HandshakeFailed, 'short message');
            const rs = this.symmetric.decryptAndHash(message.subarray(at, at + len));
            if (rs.isErr()) return fail(MptErrorCode.HandshakeFailed, 'static key did not authenticate');
            at += len;
            this.rs = Uint8Array.from(rs.value);
            learnedStatic = true;
            break;
          }
          default: {
            const mixed = this.mixSharedToken(t);
            if (mixed.isErr()) return err(mixed.error);
          }
        }
      }
      const payload = this.symmetric.decryptAndHash(message.subarray(at));
      if (payload.isErr()) return fail(MptErrorCode.HandshakeFailed, 'handshake payload did not authenticate');
      // The key is judged only now that the whole message has authenticated,
      // so the callback never sees a key the sender did not prove it holds.
      if (learnedStatic && this.verify !== undefined && this.rs !== undefined && !this.accepts(this.rs)) {
        return this.initiator
          ? fail(MptErrorCode.ServerKeyMismatch, "the responder's static key was rejected")
          : fail(MptErrorCode.HandshakeFailed, "the initiator's static key was rejected");
      }
      return ok(payload.value);
    };
    const payload = step();
    if (payload.isErr()) {
      restore();
      this.re = savedRe;
      this.rs = savedRs;
      this.pskIndex = pskIndex;
      this.rejected++;
      return err(payload.error);
    }
    this.advance();
    return ok(payload.value);
  }

  /** Runs `verifyRemoteStatic` on a copy of `key`; a throw counts as a rejection. */
  private accepts(key: Uint8Array): boolean {
    try {
      return this.verify?.(Uint8Array.from(key)) === true;
    } catch {
      return false;
    }
  }

  private advance(): void {
    this.messageIndex++;
    if (this.messageIndex < this.pattern.messages.length) return;
    const keys = this.symmetric.split();
    const i2r = new CipherState(this.factory, this.cipher, keys.initiatorToResponder);
    const r2i = new CipherState(this.factory, this.cipher, keys.responderToInitiator);
    this.result = {
      send: this.initiator ? i2r : r2i,
      receive: this.initiator ? r2i : i2r,
      keys,
      handshakeHash: this.symmetric.handshakeHash,
    };
    this.state = 'complete';
    // The ephemeral private key is no longer needed (forward secrecy): neither its bytes nor its wrapped form.
    if (this.e !== undefined) {
      forgetPrivateKey(this.e.privateKey);
      this.e.privateKey.fill(0);
    }
  }

  /**
   * The transport CipherStates, raw keys and final handshake hash. Available
   * once, after the last message; a second call (which would hand out the
   * same keys and nonces twice) or an early one is ERR_MPT_INVALID_STATE.
   */
  split(): Result<HandshakeResult, MptError> {
    if (this.result === undefined) return fail(MptErrorCode.InvalidState, 'the handshake is not complete');
    if (this.splitTaken) return fail(MptErrorCode.InvalidState, 'split() was already taken');
    this.splitTaken = true;
    return ok(this.result);
  }
}

function checkKey(key: Uint8Array | undefined, what: string): Result<void, MptError> {
  if (key !== undefined && key.length !== X25519_KEY_LENGTH) {
    return fail(MptErrorCode.InvalidKey, `${what} must be ${X25519_KEY_LENGTH} bytes`);
  }
  return ok(undefined);
}

/**
 * Validates `options` and starts a handshake. Fails with
 * ERR_MPT_INVALID_CONFIG (unknown protocol name, missing key the pattern
 * needs, wrong number of psks, or an initiator that would learn the
 * responder's static key during the handshake with no `verifyRemoteStatic`
 * to judge it), ERR_MPT_INVALID_KEY (a key of the wrong length) or
 * ERR_MPT_UNSUPPORTED_CIPHER (the provider lacks the cipher).
 */
export function createHandshake(options: HandshakeOptions): Result<HandshakeState, MptError> {
  const parsed = parseProtocolName(options.protocolName);
  if (parsed.isErr()) return err(parsed.error);
  const { pattern, cipher } = parsed.value;
  const id = cipher === 'AESGCM' ? AeadId.Aes256Gcm : AeadId.ChaCha20Poly1305;
  const factory = aeadFactory(options.provider ?? defaultProvider(), id);
  if (factory.isErr()) return err(factory.error);

  const me = options.initiator;
  const checks = [
    checkKey(options.staticKeyPair?.publicKey, 'static public key'),
    checkKey(options.staticKeyPair?.privateKey, 'static private key'),
    checkKey(options.remoteStaticKey, 'remote static key'),
    checkKey(options.ephemeralPrivateKey, 'ephemeral private key'),
  ];
  for (const c of checks) if (c.isErr()) return err(c.error);
  if (uses(pattern, me, 's') && options.staticKeyPair === undefined) {
    return fail(MptErrorCode.InvalidConfig, `${pattern.name} needs our static key pair`);
  }
  const theirPre = me ? pattern.responderPreMessage : pattern.initiatorPreMessage;
  if (theirPre.includes('s') && options.remoteStaticKey === undefined) {
    return fail(MptErrorCode.InvalidConfig, `${pattern.name} needs the peer's static public key`);
  }
  // Fail closed: an initiator that learns the server's key on the wire and
  // checks it against nothing authenticates nobody. The responder side stays
  // optional, since servers need not authenticate clients.
  if (me && sends(pattern, false, 's') && options.verifyRemoteStatic === undefined) {
    return fail(
      MptErrorCode.InvalidConfig,
      `${pattern.name} sends the responder's static key: the initiator needs verifyRemoteStatic (pass () => true to trust on first use)`,
    );
  }
  const psks = options.psks ?? [];
  if (psks.length !== pattern.pskCount) {
    return fail(MptErrorCode.InvalidConfig, `${pattern.name} takes ${pattern.pskCount} psks, got ${psks.length}`);
  }
  if (psks.some((k) => k.length !== AEAD_KEY_LENGTH)) {
    return fail(MptErrorCode.InvalidKey, `psks must be ${AEAD_KEY_LENGTH} bytes`);
  }
  return ok(new HandshakeState(options, pattern, factory.value, id));
}
