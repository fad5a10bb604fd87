import { err, ok, type Result } from 'neverthrow';
import { MptError, MptErrorCode } from '../errors.js';
import { deriveSessionKeys } from '../crypto/key-schedule.js';
import { MPT_NOISE_PROTOCOLS, noisePrologue, type MptHandshakeMode } from '../crypto/mpt-suite.js';
import { negotiateAead } from '../crypto/negotiate.js';
import { createHandshake, type HandshakeState } from '../crypto/noise/handshake-state.js';
import { createPacketProtection, type PacketProtection } from '../crypto/packet-protection.js';
import type { AeadId, CryptoProvider } from '../crypto/provider.js';
import type { RandomBytes } from '../crypto/random.js';
import type { KeyPair } from '../crypto/x25519.js';
import {
  decodeTransportParams,
  decodeVarint,
  encodeTransportParams,
  transportParamsLength,
  varintLength,
  writeVarint,
  WIRE_VERSION,
  type TransportParams,
} from './wire/index.js';

/**
 * The mpt handshake on top of Noise (docs/protocol.md §3, docs/crypto.md):
 * which pattern, what the Noise payloads carry, and how a finished
 * handshake becomes packet protection. Sans-IO and free of timers: the
 * connection decides when to send and resend the messages built here.
 *
 * Initial payload = Handshake Mode (8) || Noise message 1. Every Noise
 * payload = Transport Parameters Length (i) || Transport Parameters ||
 * Early Frames (..), the last only in the client's first IK message (0-RTT).
 * @module
 */

/** The Handshake Mode byte of an Initial payload. */
export const HandshakeModeId: Readonly<Record<MptHandshakeMode, number>> = Object.freeze({ ik: 1, xx: 2, psk: 3 });

const MODE_BY_ID: ReadonlyMap<number, MptHandshakeMode> = new Map(
  (Object.keys(HandshakeModeId) as MptHandshakeMode[]).map((mode) => [HandshakeModeId[mode], mode]),
);

/** What a completed handshake gives the connection. */
export interface HandshakeOutcome {
  /** Seals the packets we send. */
  readonly send: PacketProtection;
  /** Opens the packets we receive. */
  readonly receive: PacketProtection;
  /** The negotiated packet-protection AEAD. */
  readonly aead: AeadId;
  /** The peer's transport parameters, authenticated by the handshake. */
  readonly peerParams: TransportParams;
  /** The peer's static public key, when the pattern carried or pinned one. */
  readonly remoteStaticKey: Uint8Array | undefined;
  /** The Noise handshake hash: a channel binding for the connection. */
  readonly handshakeHash: Uint8Array;
  /** A secret both ends share, for path and join tokens. */
  readonly connectionSecret: Uint8Array;
}

/** Settings common to both ends. */
interface HandshakeCommon {
  /** Our transport parameters. */
  readonly params: TransportParams;
  /** The AEAD provider for the handshake and packet protection. */
  readonly provider: CryptoProvider;
  /** Random source for the Noise ephemeral key. */
  readonly randomBytes?: RandomBytes | undefined;
}

/** Client handshake settings. */
export interface ClientHandshakeConfig extends HandshakeCommon {
  /** `ik` when `serverKey` is known, `xx` otherwise, `psk` with a pre-shared key. */
  readonly mode: MptHandshakeMode;
  /** Our static key pair (ik, xx). */
  readonly staticKeyPair?: KeyPair | undefined;
  /** The server's static key (ik). */
  readonly serverKey?: Uint8Array | undefined;
  /** The pre-shared key (psk), 32 bytes. */
  readonly psk?: Uint8Array | undefined;
  /** Accepts or rejects the server's static key learned in xx; ik pins it instead. */
  readonly verifyServerKey?: ((key: Uint8Array) => boolean) | undefined;
  /** Encoded frames to send as 0-RTT data inside the first message (ik only). */
  readonly earlyFrames?: Uint8Array | undefined;
}

/** Server handshake settings. */
export interface ServerHandshakeConfig extends HandshakeCommon {
  /** The server's static key pair; without one only psk works. */
  readonly staticKeyPair?: KeyPair | undefined;
  /** The pre-shared key, if psk clients are accepted. */
  readonly psk?: Uint8Array | undefined;
  /** Accepts or rejects a client's static key (xx, ik); default: any. */
  readonly verifyClientKey?: ((key: Uint8Array) => boolean) | undefined;
  /** Whether 0-RTT frames in an ik first message are accepted; default false (they are ignored). */
  readonly acceptEarlyData?: boolean | undefined;
}

function fail<T>(code: MptErrorCode, message: string): Result<T, MptError> {
  return err(new MptError(code, message));
}

function encodePayload(params: TransportParams, early: Uint8Array | undefined): Uint8Array {
  const tpLength = transportParamsLength(params);
  const out = new Uint8Array(varintLength(tpLength) + tpLength + (early?.length ?? 0));
  let at = writeVarint(out, 0, tpLength);
  at = encodeTransportParams(out, at, params);
  if (early !== undefined) out.set(early, at);
  return out;
}

interface DecodedPayload {
  readonly params: TransportParams;
  readonly earlyFrames: Uint8Array;
}

function decodePayload(payload: Uint8Array): Result<DecodedPayload, MptError> {
  const length = decodeVarint(payload, 0);
  if (length.isErr() || length.value.next + length.value.value > payload.length) {
    return fail(MptErrorCode.ProtocolViolation, 'handshake payload: bad transport parameters length');
  }
  const end = length.value.next + length.value.value;
  const params = decodeTransportParams(payload.subarray(length.value.next, end));
  if (params.isErr()) return fail(MptErrorCode.ProtocolViolation, `transport parameters: ${params.error.message}`);
  return ok({ params: params.value, earlyFrames: payload.subarray(end) });
}

/** Split the finished Noise state into per-direction packet protection. */
function finish(
  hs: HandshakeState,
  provider: CryptoProvider,
  clientAeads: readonly number[],
  serverAeads: readonly number[],
  peerParams: TransportParams,
): Result<HandshakeOutcome, MptError> {
  const aead = negotiateAead(clientAeads, serverAeads);
  if (aead.isErr()) return err(aead.error);
  const split = hs.split();
  if (split.isErr()) return err(split.error);
  const keys = deriveSessionKeys(split.value.keys, split.value.handshakeHash, hs.initiator);
  const send = createPacketProtection(provider, aead.value, keys.send.key, keys.send.iv);
  if (send.isErr()) return err(send.error);
  const receive = createPacketProtection(provider, aead.value, keys.receive.key, keys.receive.iv);
  if (receive.isErr()) return err(receive.error);
  return ok({
    send: send.value,
    receive: receive.value,
    aead: aead.value,
    peerParams,
    remoteStaticKey: hs.remoteStaticKey,
    handshakeHash: split.value.handshakeHash,
    connectionSecret: keys.connectionSecret,
  });
}

/**
 * The client side: builds the Initial payload, then reads the server's
 * reply. A reply that does not authenticate leaves it unchanged, so a forged
 * datagram cannot end a handshake in progress.
 */
export class ClientHandshake {
  /** The handshake mode in use. */
  readonly mode: MptHandshakeMode;
  private readonly hs: HandshakeState;
  private readonly config: ClientHandshakeConfig;

  private constructor(config: ClientHandshakeConfig, hs: HandshakeState) {
    this.mode = config.mode;
    this.config = config;
    this.hs = hs;
  }

  /** Validates the settings for the mode and starts the Noise state. */
  static create(config: ClientHandshakeConfig): Result<ClientHandshake, MptError> {
    if (config.mode === 'ik' && config.serverKey === undefined) return fail(MptErrorCode.InvalidConfig, 'ik needs the server key');
    if (config.mode === 'psk' && config.psk === undefined) return fail(MptErrorCode.InvalidConfig, 'psk mode needs a psk');
    if (config.earlyFrames !== undefined && config.mode !== 'ik') {
      return fail(MptErrorCode.InvalidConfig, '0-RTT data needs the ik mode (a known server key)');
    }
    const hs = createHandshake({
      protocolName: MPT_NOISE_PROTOCOLS[config.mode],
      initiator: true,
      prologue: noisePrologue(WIRE_VERSION),
      staticKeyPair: config.mode === 'psk' ? undefined : config.staticKeyPair,
      remoteStaticKey: config.mode === 'ik' ? config.serverKey : undefined,
      psks: config.mode === 'psk' && config.psk !== undefined ? [config.psk] : undefined,
      provider: config.provider,
      randomBytes: config.randomBytes,
      verifyRemoteStatic: config.mode === 'xx' ? (config.verifyServerKey ?? (() => true)) : undefined,
    });
    return hs.map((state) => new ClientHandshake(config, state));
  }

  /** The payload of the Initial packet: the mode byte, then Noise message 1. */
  initialPayload(): Result<Uint8Array, MptError> {
    const message = this.hs.writeMessage(encodePayload(this.config.params, this.config.earlyFrames));
    return message.map((m) => {
      const out = new Uint8Array(1 + m.length);
      out[0] = HandshakeModeId[this.mode];
      out.set(m, 1);
      return out;
    });
  }

  /**
   * Reads the server's message 2. Returns the outcome, and for xx the third
   * message to send (after which the client may send 1-RTT packets).
   */
  readServerMessage(message: Uint8Array): Result<{ reply: Uint8Array | undefined; outcome: HandshakeOutcome }, MptError> {
    const payload = this.hs.readMessage(message).andThen(decodePayload);
    if (payload.isErr()) return err(payload.error);
    const peer = payload.value.params;
    let reply: Uint8Array | undefined;
    if (this.hs.status !== 'complete') {
      const third = this.hs.writeMessage(new Uint8Array(0));
      if (third.isErr()) return err(third.error);
      reply = third.value;
    }
    return finish(this.hs, this.config.provider, this.config.params.supportedAeads, peer.supportedAeads, peer).map((outcome) => ({ reply, outcome }));
  }
}

/** What the server learned from a client's Initial. */
export interface AcceptedInitial {
  /** The server's handshake, waiting for message 3 (xx) or already complete (ik, psk). */
  readonly handshake: ServerHandshake;
  /** Noise message 2, to send in a Handshake packet (and resend if the Initial repeats). */
  readonly reply: Uint8Array;
  /** The client's transport parameters. */
  readonly clientParams: TransportParams;
  /** Encoded 0-RTT frames (ik with early data accepted), else empty. */
  readonly earlyFrames: Uint8Array;
}

/** The server side of one handshake. */
export class ServerHandshake {
  /** The handshake mode the client chose. */
  readonly mode: MptHandshakeMode;
  /** Set once the handshake is complete. */
  outcome: HandshakeOutcome | undefined;
  private readonly hs: HandshakeState;
  private readonly config: ServerHandshakeConfig;
  private readonly clientParams: TransportParams;

  private constructor(mode: MptHandshakeMode, hs: HandshakeState, config: ServerHandshakeConfig, clientParams: TransportParams) {
    this.mode = mode;
    this.hs = hs;
    this.config = config;
    this.clientParams = clientParams;
    this.outcome = undefined;
  }

  /**
   * Reads an Initial payload (mode byte and Noise message 1) and answers it.
   * Fails for an unknown or unsupported mode, a message that does not
   * authenticate, or bad transport parameters; the caller then keeps no state.
   */
  static accept(config: ServerHandshakeConfig, initialPayload: Uint8Array): Result<AcceptedInitial, MptError> {
    const mode = MODE_BY_ID.get(initialPayload[0] ?? -1);
    if (mode === undefined) return fail(MptErrorCode.HandshakeFailed, 'unknown handshake mode');
    if (mode === 'psk' ? config.psk === undefined : config.staticKeyPair === undefined) {
      return fail(MptErrorCode.HandshakeFailed, `this server does not accept the ${mode} mode`);
    }
    const created = createHandshake({
      protocolName: MPT_NOISE_PROTOCOLS[mode],
      initiator: false,
      prologue: noisePrologue(WIRE_VERSION),
      staticKeyPair: mode === 'psk' ? undefined : config.staticKeyPair,
      psks: mode === 'psk' && config.psk !== undefined ? [config.psk] : undefined,
      provider: config.provider,
      randomBytes: config.randomBytes,
      verifyRemoteStatic: mode === 'psk' ? undefined : (config.verifyClientKey ?? (() => true)),
    });
    if (created.isErr()) return err(created.error);
    const hs = created.value;
    const payload = hs.readMessage(initialPayload.subarray(1)).andThen(decodePayload);
    if (payload.isErr()) return err(payload.error);
    const reply = hs.writeMessage(encodePayload(config.params, undefined));
    if (reply.isErr()) return err(reply.error);
    const handshake = new ServerHandshake(mode, hs, config, payload.value.params);
    if (hs.status === 'complete') {
      const outcome = handshake.complete();
      if (outcome.isErr()) return err(outcome.error);
    }
    const early = mode === 'ik' && config.acceptEarlyData === true ? payload.value.earlyFrames : new Uint8Array(0);
    return ok({ handshake, reply: reply.value, clientParams: payload.value.params, earlyFrames: early });
  }

  /** Reads the client's message 3 (xx). A message that does not authenticate changes nothing. */
  readClientFinal(message: Uint8Array): Result<HandshakeOutcome, MptError> {
    if (this.outcome !== undefined) return ok(this.outcome);
    const read = this.hs.readMessage(message);
    if (read.isErr()) return err(read.error);
    return this.complete();
  }

  private complete(): Result<HandshakeOutcome, MptError> {
    const outcome = finish(this.hs, this.config.provider, this.clientParams.supportedAeads, this.config.params.supportedAeads, this.clientParams);
    if (outcome.isOk()) this.outcome = outcome.value;
    return outcome;
  }
}
