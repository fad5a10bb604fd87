/**
 * Every error mpt hands to an application is an {@link MptError} with a stable
 * `code`. Codes never change meaning once released; new ones may be added.
 * The exceptions are node:net's own: a wrong argument to connect(), listen(),
 * setTimeout() throws Node's error for it (ERR_SOCKET_BAD_PORT,
 * ERR_INVALID_ARG_TYPE...: a RangeError or TypeError with that `code`), and
 * close() on a server that does not listen hands its callback
 * ERR_SERVER_NOT_RUNNING, as node:net does.
 */
export const MptErrorCode = {
  /** A configuration value was out of range or of the wrong type. */
  InvalidConfig: 'ERR_MPT_INVALID_CONFIG',
  /** The Noise handshake failed: a bad message, a failed decryption or a rejected key. */
  HandshakeFailed: 'ERR_MPT_HANDSHAKE_FAILED',
  /** The peer's static key did not match the pinned key. */
  ServerKeyMismatch: 'ERR_MPT_SERVER_KEY_MISMATCH',
  /** A key, nonce or token had the wrong length or form. */
  InvalidKey: 'ERR_MPT_INVALID_KEY',
  /** The requested cipher is not provided by the crypto provider. */
  UnsupportedCipher: 'ERR_MPT_UNSUPPORTED_CIPHER',
  /** A packet number, nonce counter or key use limit was exhausted. */
  KeyExhausted: 'ERR_MPT_KEY_EXHAUSTED',
  /**
   * The sender asked to seal a packet number that is not above the last one
   * sealed on that path under the same key, which would reuse an AEAD nonce.
   * Always a local bug, never the peer's doing.
   */
  NonceReuse: 'ERR_MPT_NONCE_REUSE',
  /** A retry token was malformed, forged, expired or bound to another address. */
  InvalidToken: 'ERR_MPT_INVALID_TOKEN',
  /** The peer violated the protocol. */
  ProtocolViolation: 'ERR_MPT_PROTOCOL_VIOLATION',
  /** An API was used in a state that does not allow it. */
  InvalidState: 'ERR_MPT_INVALID_STATE',
  /**
   * Nothing arrived from the peer, on any path, for the idle timeout (`idleTimeoutMs`): the peer is gone.
   * node:net's code for a dead TCP peer, so code that handles one handles the other.
   */
  IdleTimeout: 'ETIMEDOUT',
  /** The peer closed the connection with an error reason. */
  PeerClosed: 'ERR_MPT_PEER_CLOSED',
  /** The peer supports no version this endpoint speaks. */
  VersionNegotiation: 'ERR_MPT_VERSION_NEGOTIATION',
  /**
   * Nothing answered the handshake within the connect timeout, and a version
   * probe got no answer either: no mpt server seems to listen there.
   */
  ConnectTimeout: 'ERR_MPT_CONNECT_TIMEOUT',
  /**
   * The server's host refused the datagrams (ICMP port unreachable): nothing listens on that port.
   * node:net's code for a refused connection.
   */
  ConnectionRefused: 'ECONNREFUSED',
  /**
   * The peer aborted the connection: its application called `resetAndDestroy()`,
   * destroyed its socket with data unread, or the connection closed before the peer ended its
   * direction. node:net's code for a TCP reset, which HTTP clients check to retry a request on a
   * reused keep-alive connection.
   */
  ConnectionReset: 'ECONNRESET',
  /** A write after the peer closed the connection: node:net's code for writing to a closed TCP connection. */
  BrokenPipe: 'EPIPE',
  /** A UDP socket failed (bind, a receive error); `cause` holds the system error. */
  SocketError: 'ERR_MPT_SOCKET',
  /** The address and port to bind are taken: node:net's code for it; `cause` holds the system error. */
  AddressInUse: 'EADDRINUSE',
  /** Resolving the host name failed; `cause` holds the resolver's error. */
  DnsLookupFailed: 'ERR_MPT_DNS_LOOKUP_FAILED',
  /**
   * Every happy-eyeballs attempt of a connect() failed (or none was answered within the connect timeout):
   * the error's `attempts` lists each (destination, local address, reason, elapsed ms).
   */
  ConnectFailed: 'ERR_MPT_CONNECT_FAILED',
  /**
   * The operation was aborted: through an AbortSignal, or a socket disposed of (`Symbol.asyncDispose`)
   * before its end was read. node:net's code for it, ABORT_ERR; as node:net's AbortError, the error's
   * `name` is 'AbortError' and its `cause` is the signal's reason.
   */
  Aborted: 'ABORT_ERR',
  /**
   * The converter answered a tunnel request (`openTunnel()`) with a failure reply: its policy refused
   * the destination, or the TCP connection to it failed. The error is a `TunnelError`, whose
   * `replyCode` (SOCKS5's REP values, see `TunnelReplyCode`) and `reason` say what happened.
   */
  TunnelRefused: 'ERR_MPT_TUNNEL_REFUSED',
} as const;

/** node:net's system error codes (ECONNRESET, EADDRINUSE...), as opposed to ERR_ ones. */
const SYSTEM_CODE = /^E[A-Z]+$/;

/** One of the stable error codes of {@link MptErrorCode}. */
export type MptErrorCode = (typeof MptErrorCode)[keyof typeof MptErrorCode];

/** One connection attempt of a connect() (happy eyeballs), as ERR_MPT_CONNECT_FAILED lists it. */
export interface MptConnectAttempt {
  /** The server address tried. */
  readonly address: string;
  /** Its port. */
  readonly port: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Our local address it left from. */
  readonly localAddress: string;
  /** Why it failed: an ICMP error's text, 'no answer' (still waiting when the connect gave up), or 'not started'. */
  readonly reason: string;
  /** From the start of the attempt to its failure (or to the end of the connect), ms; -1 if it never started. */
  readonly elapsedMs: number;
}

/**
 * The error type of mpt. `code` is stable and meant for programs; `message`
 * is meant for people and may change. `name` is 'MptError', except where
 * node:net names the same error otherwise: 'AbortError' for ABORT_ERR, 'Error'
 * for the system codes (ECONNRESET, ECONNREFUSED, ETIMEDOUT, EPIPE, EADDRINUSE).
 */
export class MptError extends Error {
  /** The stable error code, e.g. `ERR_MPT_HANDSHAKE_FAILED`. */
  readonly code: MptErrorCode;

  /** For ERR_MPT_CONNECT_FAILED: every attempt of the connect(), in the order they were made. */
  readonly attempts: readonly MptConnectAttempt[] | undefined;

  constructor(code: MptErrorCode, message: string, options?: { cause?: unknown; attempts?: readonly MptConnectAttempt[] }) {
    super(message, options);
    // Named as node:net names the same errors, so `error.name` checks work on mpt too: an abort is an
    // 'AbortError', a system error code (ECONNRESET, EPIPE, ETIMEDOUT...) a plain 'Error'.
    this.name = code === MptErrorCode.Aborted ? 'AbortError' : SYSTEM_CODE.test(code) ? 'Error' : 'MptError';
    this.code = code;
    this.attempts = options?.attempts;
  }
}
