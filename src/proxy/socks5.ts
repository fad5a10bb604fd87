import { bytesToIp } from '../core/ip-address.js';
import { TunnelReplyCode } from './converter-protocol.js';
import { isDestinationHost, type ProxyDestination } from './destination.js';
import { credentialsMatch, type ProxyAuth } from './proxy-auth.js';

/**
 * The server side of a SOCKS5 handshake (RFC 1928, with RFC 1929 username/password), as an
 * incremental parser: it is fed a TCP connection's bytes as they come, in chunks cut anywhere, and
 * says what to send back and whether the client is done asking. It never throws on what a client
 * sends: anything malformed ends the handshake with the protocol's error reply (where one exists).
 *
 * Method negotiation offers "no authentication" (0x00), or, when credentials are configured, only
 * username/password (0x02); a client that offers neither gets 0xFF. Requests: CONNECT only (BIND and
 * UDP ASSOCIATE get reply 7), to an IPv4 address, a domain name or an IPv6 address (another address
 * type gets reply 8). The whole handshake is bounded by its own length fields (at most 257 + 513 +
 * 262 bytes), so nothing grows without bound here. Its reply codes are the converter protocol's
 * ({@link TunnelReplyCode}), which are SOCKS5's REP values.
 * @module
 */

/** SOCKS protocol version 5. */
const VERSION = 0x05;
/** The username/password sub-negotiation's version (RFC 1929). */
const AUTH_VERSION = 0x01;
/** Method: no authentication required. */
const METHOD_NONE = 0x00;
/** Method: username/password. */
const METHOD_PASSWORD = 0x02;
/** Method: no acceptable methods. */
const METHOD_REFUSED = 0xff;
/** CMD CONNECT. */
const CMD_CONNECT = 0x01;
/** Address types. */
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/**
 * A reply to a request: VER, REP, RSV, then BND.ADDR and BND.PORT. The bound address is always
 * 0.0.0.0:0: the proxy does not learn the converter's local address of the TCP connection it made,
 * and clients of CONNECT do not use it (RFC 1928 leaves its meaning to the server).
 */
export function socks5Reply(code: number): Uint8Array {
  return Uint8Array.of(VERSION, code, 0x00, ATYP_IPV4, 0, 0, 0, 0, 0, 0);
}

/** What the handshake has come to after the bytes fed so far. */
export type Socks5Outcome =
  /** It needs more bytes. */
  | { readonly kind: 'more' }
  /** The client asked to CONNECT to `destination`; `rest` holds bytes it sent after its request (to forward once the tunnel is open). */
  | { readonly kind: 'connect'; readonly destination: ProxyDestination; readonly rest: Uint8Array }
  /**
   * The handshake failed: send the reply, then close. `replyCode` is the REP of the request reply
   * sent, when the failure came at the request; undefined for a failed method negotiation or
   * authentication (their own replies).
   */
  | { readonly kind: 'refused'; readonly reason: string; readonly replyCode: number | undefined };

/** One step of the handshake: the bytes to send the client now (possibly none), and where it stands. */
export interface Socks5Step {
  /** Bytes to write to the client, in order, before anything else. */
  readonly reply: Uint8Array;
  /** Where the handshake stands. */
  readonly outcome: Socks5Outcome;
}

type State = 'greeting' | 'auth' | 'request' | 'over';

const MORE: Socks5Outcome = { kind: 'more' };

/**
 * The server side of one SOCKS5 handshake: {@link Socks5Handshake.push} each chunk the client sends
 * until the outcome is 'connect' or 'refused'. The reply to a successful request is not part of the
 * handshake: send `socks5Reply(TunnelReplyCode.Succeeded)` (or a failure) once the tunnel's fate is known.
 */
export class Socks5Handshake {
  readonly #auth: ProxyAuth | undefined;
  #state: State = 'greeting';
  #pending: Buffer = Buffer.alloc(0);
  #replies: Uint8Array[] = [];

  /** A handshake that asks for `auth` (username/password) when given, else for no authentication. */
  constructor(auth?: ProxyAuth) {
    this.#auth = auth;
  }

  /** Feeds the next bytes from the client. After a 'connect' or 'refused' outcome, more bytes are refused. */
  push(chunk: Uint8Array): Socks5Step {
    if (this.#state === 'over') return { reply: new Uint8Array(0), outcome: { kind: 'refused', reason: 'bytes after the end of the handshake', replyCode: undefined } };
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    let outcome: Socks5Outcome = MORE;
    for (;;) {
      const state: State = this.#state;
      outcome = state === 'greeting' ? this.#greeting() : state === 'auth' ? this.#authenticate() : state === 'request' ? this.#request() : MORE;
      // Stop when the stage needs more bytes or the handshake is over; go on while stages complete.
      if (outcome.kind !== 'more' || this.#state === state) break;
    }
    if (outcome.kind !== 'more') this.#state = 'over';
    const reply = this.#replies.length === 1 ? (this.#replies[0] as Uint8Array) : Buffer.concat(this.#replies);
    this.#replies = [];
    return { reply, outcome };
  }

  /** Takes `n` bytes off the front of what is pending. */
  #consume(n: number): Buffer {
    const taken = this.#pending.subarray(0, n);
    this.#pending = this.#pending.subarray(n);
    return taken;
  }

  #refuse(reply: Uint8Array, reason: string, replyCode?: number): Socks5Outcome {
    this.#replies.push(reply);
    return { kind: 'refused', reason, replyCode };
  }

  /** VER NMETHODS METHODS... -> VER METHOD. */
  #greeting(): Socks5Outcome {
    const b = this.#pending;
    if (b.length < 1) return MORE;
    if (b[0] !== VERSION) return this.#refuse(Uint8Array.of(VERSION, METHOD_REFUSED), `not SOCKS version 5 (version byte ${b[0]})`);
    if (b.length < 2) return MORE;
    const count = b[1] as number;
    if (count === 0) return this.#refuse(Uint8Array.of(VERSION, METHOD_REFUSED), 'the client offered no authentication method');
    if (b.length < 2 + count) return MORE;
    const methods = this.#consume(2 + count).subarray(2);
    const wanted = this.#auth === undefined ? METHOD_NONE : METHOD_PASSWORD;
    if (!methods.includes(wanted)) {
      const what = this.#auth === undefined ? 'no authentication (0x00)' : 'username/password (0x02)';
      return this.#refuse(Uint8Array.of(VERSION, METHOD_REFUSED), `the client did not offer ${what}`);
    }
    this.#replies.push(Uint8Array.of(VERSION, wanted));
    this.#state = wanted === METHOD_PASSWORD ? 'auth' : 'request';
    return MORE;
  }

  /** RFC 1929: VER ULEN UNAME PLEN PASSWD -> VER STATUS. */
  #authenticate(): Socks5Outcome {
    const b = this.#pending;
    if (b.length < 1) return MORE;
    if (b[0] !== AUTH_VERSION) return this.#refuse(Uint8Array.of(AUTH_VERSION, 0x01), `not username/password version 1 (version byte ${b[0]})`);
    if (b.length < 2) return MORE;
    const userLength = b[1] as number;
    if (b.length < 3 + userLength) return MORE;
    const passwordLength = b[2 + userLength] as number;
    const total = 3 + userLength + passwordLength;
    if (b.length < total) return MORE;
    const message = this.#consume(total);
    const username = message.subarray(2, 2 + userLength);
    const password = message.subarray(3 + userLength, total);
    if (!credentialsMatch(this.#auth as ProxyAuth, username, password)) {
      return this.#refuse(Uint8Array.of(AUTH_VERSION, 0x01), 'wrong user name or password');
    }
    this.#replies.push(Uint8Array.of(AUTH_VERSION, 0x00));
    this.#state = 'request';
    return MORE;
  }

  /** VER CMD RSV ATYP DST.ADDR DST.PORT. */
  #request(): Socks5Outcome {
    const b = this.#pending;
    if (b.length < 1) return MORE;
    if (b[0] !== VERSION) return this.#refuse(socks5Reply(TunnelReplyCode.GeneralFailure), `request not of SOCKS version 5 (version byte ${b[0]})`, TunnelReplyCode.GeneralFailure);
    if (b.length < 2) return MORE;
    if (b[1] !== CMD_CONNECT) return this.#refuse(socks5Reply(TunnelReplyCode.CommandNotSupported), `command ${b[1]} not supported (CONNECT only)`, TunnelReplyCode.CommandNotSupported);
    if (b.length < 3) return MORE;
    if (b[2] !== 0x00) return this.#refuse(socks5Reply(TunnelReplyCode.GeneralFailure), `reserved byte ${b[2]}, not 0`, TunnelReplyCode.GeneralFailure);
    if (b.length < 4) return MORE;
    const atyp = b[3] as number;
    let addressLength: number;
    let addressAt = 4;
    if (atyp === ATYP_IPV4) addressLength = 4;
    else if (atyp === ATYP_IPV6) addressLength = 16;
    else if (atyp === ATYP_DOMAIN) {
      if (b.length < 5) return MORE;
      addressLength = b[4] as number;
      addressAt = 5;
      if (addressLength === 0) return this.#refuse(socks5Reply(TunnelReplyCode.GeneralFailure), 'empty domain name', TunnelReplyCode.GeneralFailure);
    } else {
      return this.#refuse(socks5Reply(TunnelReplyCode.AddressTypeNotSupported), `address type ${atyp} not supported`, TunnelReplyCode.AddressTypeNotSupported);
    }
    const total = addressAt + addressLength + 2;
    if (b.length < total) return MORE;
    const request = this.#consume(total);
    const address = request.subarray(addressAt, addressAt + addressLength);
    const port = request.readUInt16BE(addressAt + addressLength);
    const host = atyp === ATYP_DOMAIN ? address.toString('latin1') : bytesToIp(address);
    if (atyp === ATYP_DOMAIN && !isDestinationHost(host)) {
      return this.#refuse(socks5Reply(TunnelReplyCode.GeneralFailure), `malformed domain name ${JSON.stringify(host)}`, TunnelReplyCode.GeneralFailure);
    }
    if (port === 0) return this.#refuse(socks5Reply(TunnelReplyCode.GeneralFailure), 'destination port 0', TunnelReplyCode.GeneralFailure);
    const rest = this.#pending;
    this.#pending = Buffer.alloc(0);
    return { kind: 'connect', destination: { host, port }, rest };
  }
}
