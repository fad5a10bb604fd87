import { isIP } from 'node:net';
import type { Connection } from '../core/connection.js';
import type { MptConnectAttempt } from '../errors.js';
import { MptError, MptErrorCode } from '../errors.js';
import type { EndpointDriver } from './driver.js';
import type { MptConnectOptions } from './options.js';
import { answersProbe, makeVersionProbe, type VersionProbe } from './version-probe.js';

/**
 * The connect watchdog: how a client's connect() ends when the handshake does not complete, and with
 * which error. It fails the connect after `connectTimeout`, and sends a version probe (see
 * version-probe.ts) just after the engine's first handshake retransmission to tell "nothing listens"
 * (ERR_MPT_CONNECT_TIMEOUT) from "an mpt server listens but silently dropped our handshake"
 * (ERR_MPT_SERVER_KEY_MISMATCH, ERR_MPT_HANDSHAKE_FAILED).
 * @module
 */

/** Default connect timeout, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** The engine's default initial RTT, ms (TransportConfig.initialRttMs); the first handshake retransmission comes at twice it. */
const DEFAULT_INITIAL_RTT_MS = 333;

/** What the watchdog watches: the connecting socket and the connect under way. */
export interface WatchedConnect {
  /** Whether the socket is still connecting. */
  connecting(): boolean;
  /** The destination's address and port (the socket's `remoteAddress`, `remotePort`), once resolved. */
  remote(): { readonly host: string | undefined; readonly port: number | undefined };
  /** The client's driver, once bound. */
  driver(): EndpointDriver | undefined;
  /** The connection, once started. */
  connection(): Connection | undefined;
  /** Fails the connect (destroys the socket with `error`). */
  fail(error: MptError): void;
}

/** The connect timeout and the version probe of one connect(); {@link ConnectWatchdog.stop} once it ends. */
export class ConnectWatchdog {
  readonly #watched: WatchedConnect;
  readonly #options: MptConnectOptions;
  #connectTimer: NodeJS.Timeout | undefined = undefined;
  #probeTimer: NodeJS.Timeout | undefined = undefined;
  #probe: VersionProbe | undefined = undefined;
  #probeSentAtMs = 0;
  /** Whether a server answered the probe. */
  #serverAlive = false;

  /** A watchdog for a connect with `options`; nothing runs until {@link ConnectWatchdog.start}. */
  constructor(watched: WatchedConnect, options: MptConnectOptions) {
    this.#watched = watched;
    this.#options = options;
  }

  /** Arms the connect timeout, then the probe timer. */
  start(): void {
    const timeoutMs = this.#options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#connectTimer = setTimeout(() => this.#onConnectTimeout(timeoutMs), timeoutMs);
    // The probe goes out just after the engine's first handshake retransmission (at 2 initial RTTs).
    const probeAtMs = Math.min(timeoutMs / 2, 2 * (this.#options.initialRttMs ?? DEFAULT_INITIAL_RTT_MS) + 50);
    this.#probeTimer = setTimeout(() => this.#sendProbe(), probeAtMs);
  }

  /** Stops both timers and forgets the probe (the handshake completed, or the socket is destroyed). */
  stop(): void {
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#probeTimer);
    this.#connectTimer = undefined;
    this.#probeTimer = undefined;
    this.#probe = undefined;
  }

  /**
   * A datagram the engine did not take (the driver's `onRawDatagram`): true if it answers the probe.
   * The server read our Initial (sent twice by now) before the probe, in order, and answered only the
   * probe: a reply to the Initial gets a little longer to show up (crypto takes time), then the connect fails.
   */
  onRawDatagram(bytes: Buffer): boolean {
    const probe = this.#probe;
    if (probe === undefined || !answersProbe(bytes, probe)) return false;
    this.#probe = undefined;
    const driver = this.#watched.driver();
    if (!this.#watched.connecting() || driver === undefined) return true;
    this.#serverAlive = true;
    const rttMs = driver.now() - this.#probeSentAtMs;
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => {
      if (this.#watched.connecting()) this.#watched.fail(this.#handshakeRefused());
    }, Math.max(100, 4 * rttMs));
    return true;
  }

  #sendProbe(): void {
    this.#probeTimer = undefined;
    const driver = this.#watched.driver();
    const remote = this.#watched.remote();
    if (!this.#watched.connecting() || driver === undefined || remote.host === undefined || remote.port === undefined) return;
    this.#probe = makeVersionProbe();
    this.#probeSentAtMs = driver.now();
    driver.sendRaw(this.#probe.datagram, { host: remote.host, port: remote.port });
  }

  /** Why a server that answers the probe did not complete the handshake, as best the client can tell. */
  #handshakeRefused(): MptError {
    const remote = this.#watched.remote();
    const where = `${remote.host ?? '?'}:${remote.port ?? '?'}`;
    const options = this.#options;
    const also = 'it may also have refused our client key or be at its connection limit';
    if ((this.#watched.connection()?.stats.packetsDropped ?? 0) > 0) {
      // The server did answer, but its answers did not pass: the engine rejected them.
      if (options.verifyServerKey !== undefined) {
        return new MptError(MptErrorCode.ServerKeyMismatch, `the server at ${where} presented a static key that verifyServerKey rejected`);
      }
      return new MptError(MptErrorCode.HandshakeFailed, `the server at ${where} answered, but its handshake messages did not authenticate`);
    }
    if (options.serverKey !== undefined) {
      return new MptError(
        MptErrorCode.ServerKeyMismatch,
        `an mpt server answers at ${where} but silently dropped our handshake: the pinned serverKey is most likely not its key (${also})`,
      );
    }
    if (options.psk !== undefined) {
      return new MptError(MptErrorCode.HandshakeFailed, `an mpt server answers at ${where} but silently dropped our handshake: the psk is most likely wrong (${also})`);
    }
    return new MptError(MptErrorCode.HandshakeFailed, `an mpt server answers at ${where} but silently dropped our handshake (${also})`);
  }

  #onConnectTimeout(timeoutMs: number): void {
    this.#connectTimer = undefined;
    if (!this.#watched.connecting()) return;
    const connection = this.#watched.connection();
    if ((connection?.raceAttempts().length ?? 0) > 0) {
      const nowMs = this.#watched.driver()?.now() ?? 0;
      return void this.#watched.fail(connectFailed(this.#options.host, connection, nowMs, `no attempt was answered within ${timeoutMs} ms`));
    }
    if (this.#serverAlive) return void this.#watched.fail(this.#handshakeRefused());
    const remote = this.#watched.remote();
    const where = `${remote.host ?? this.#options.host ?? '?'}:${remote.port ?? this.#options.port ?? '?'}`;
    this.#watched.fail(new MptError(MptErrorCode.ConnectTimeout, `no answer from ${where} within ${timeoutMs} ms: no mpt server seems to listen there`));
  }
}

/**
 * ERR_MPT_CONNECT_FAILED for a happy-eyeballs race that failed (`why`), listing every attempt of
 * `connection`'s race with its reason and how long it ran until `nowMs` (driver ms).
 */
export function connectFailed(host: string | undefined, connection: Connection | undefined, nowMs: number, why: string): MptError {
  const attempts: MptConnectAttempt[] = (connection?.raceAttempts() ?? []).map((a) => ({
    address: a.remote.host,
    port: a.remote.port,
    family: isIP(a.remote.host) === 6 ? 6 : 4,
    localAddress: a.local.host,
    reason: a.failure ?? (a.state === 'waiting' ? 'not started' : 'no answer'),
    elapsedMs: a.startedAtMs < 0 ? -1 : nowMs - a.startedAtMs,
  }));
  const list = attempts.map((a) => `${a.address}:${a.port} (${a.reason}, ${Math.round(a.elapsedMs)} ms)`).join('; ');
  return new MptError(MptErrorCode.ConnectFailed, `cannot connect to ${host ?? '?'}: ${why}: ${list}`, { attempts });
}
