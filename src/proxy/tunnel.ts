import { MptError, MptErrorCode } from '../errors.js';
import { invalidConfig } from '../option-check.js';
import { connect } from '../node/connect.js';
import type { MptConnectOptions } from '../node/options.js';
import type { MptSocket } from '../node/socket.js';
import { encodeRequest, ReplyDecoder, TunnelReplyCode, type TunnelDestination } from './converter-protocol.js';
import { explainHandshakeFailure, learnConverterKey } from './converter-handshake.js';
import { readHeader } from './read-header.js';
import { TunnelError } from './tunnel-error.js';

/**
 * {@link openTunnel}: the client side of the converter, a TCP connection to a destination carried by an
 * mpt connection to a converter (docs/proxy.md).
 * @module
 */

/**
 * Options of {@link openTunnel}: those of `connect()`, where `host` and `port` name the converter, and
 * the `destination`. `earlyData` is openTunnel's own (the request) and may not be given.
 */
export interface TunnelOptions extends MptConnectOptions {
  /** Where the converter opens TCP to: a host name (resolved by the converter) or an IP address, and a port. */
  readonly destination: TunnelDestination;
  /**
   * ms from the call to the converter's reply, the mpt handshake included; past it openTunnel() rejects
   * with ERR_MPT_CONNECT_TIMEOUT. It bounds the wait on a converter that never answers. A positive
   * number; default 20 000 (the converter's own connect timeout, 10 000 by default, with room for the
   * handshake's). Asking the converter for its key (no `serverKey`) counts in it.
   */
  readonly replyTimeout?: number | undefined;
}

/** Default `replyTimeout` of {@link openTunnel}, ms. */
export const DEFAULT_TUNNEL_REPLY_TIMEOUT_MS = 20_000;

/**
 * Opens a tunnel: an mpt connection to the converter at `host`:`port` whose stream is a TCP connection
 * to `destination`. Resolves, once the converter replied success, with the connected socket positioned
 * after the reply: every byte it reads from then on is the destination's, every byte written goes to
 * the destination, and ending or resetting it ends or resets the TCP connection (and the other way
 * round). The socket starts as a fresh `connect()` socket does, not flowing until read.
 *
 * With `serverKey` (and no `psk`) the request rides in the handshake's first flight as 0-RTT early data,
 * so the converter dials the destination while the handshake completes: the tunnel costs no round
 * trip beyond the mpt handshake. Without `serverKey` (and no `psk`) the converter is first asked for
 * its key (one Noise XX round trip that makes no connection; `verifyServerKey`, if given, judges the
 * key), which is then pinned the same way: a round trip more, as an XX handshake would cost. With
 * `psk` the request is the stream's first write.
 *
 * Rejects with a {@link TunnelError} (code ERR_MPT_TUNNEL_REFUSED, its `replyCode` and `reason` the
 * converter's) when the converter refuses the destination; with a `ClientKeyRefusedError`
 * (ERR_MPT_HANDSHAKE_FAILED) when the converter does not accept our client key, and a
 * `ConverterKeyMismatchError` (ERR_MPT_SERVER_KEY_MISMATCH) when it presents another key than
 * the pinned one, both known about a second after the first flight (the connect watchdog, then one
 * question for the converter's key); with the connect() error itself when the mpt connection
 * otherwise fails (ERR_MPT_CONNECT_TIMEOUT, ECONNREFUSED, a wrong `psk`'s ERR_MPT_HANDSHAKE_FAILED...);
 * with ERR_MPT_CONNECT_TIMEOUT when no reply came within `replyTimeout`;
 * with ERR_MPT_PROTOCOL_VIOLATION when the converter closes without a reply or replies something
 * malformed; with ERR_MPT_INVALID_CONFIG (naming the option) for bad options. The
 * options' `signal` aborts the wait for the reply too. On a rejection the socket is destroyed.
 */
export async function openTunnel(options: TunnelOptions): Promise<MptSocket> {
  if (typeof options !== 'object' || options === null) throw invalidConfig('openTunnel(): the options must be an object');
  const { destination, replyTimeout = DEFAULT_TUNNEL_REPLY_TIMEOUT_MS, ...connectOptions } = options;
  if (typeof destination !== 'object' || destination === null) throw invalidConfig('openTunnel(): destination must be an object ({ host, port })');
  if (typeof replyTimeout !== 'number' || !(replyTimeout > 0) || !Number.isFinite(replyTimeout)) {
    throw invalidConfig(`openTunnel(): replyTimeout must be a positive number of ms, got ${String(replyTimeout)}`);
  }
  if (connectOptions.earlyData !== undefined) throw invalidConfig('openTunnel(): earlyData cannot be given: openTunnel sends its request as the early data');
  const startedAt = performance.now();
  const request = encodeRequest(destination);
  // Without a pinned key (and no psk) the converter is asked for its key first, then pinned: a
  // converter that refuses our client key in XX would drop us without a word after the handshake.
  const learn = connectOptions.serverKey === undefined && connectOptions.psk === undefined;
  const serverKey = learn ? await learnConverterKey(connectOptions) : connectOptions.serverKey;
  const pinnedOptions: MptConnectOptions = { ...connectOptions, serverKey, verifyServerKey: learn ? undefined : connectOptions.verifyServerKey };
  const remainingMs = Math.max(1, replyTimeout - (performance.now() - startedAt));
  const zeroRtt = serverKey !== undefined && connectOptions.psk === undefined;
  const socket = connect(zeroRtt ? { ...pinnedOptions, earlyData: request } : pinnedOptions);
  // With a psk: the stream's first bytes, sent once the handshake completes.
  if (!zeroRtt) socket.write(request);
  const outcome = await readHeader(socket, new ReplyDecoder(), remainingMs);
  if (outcome.state === 'done' && outcome.value.code === TunnelReplyCode.Succeeded) return socket;
  socket.on('error', () => {});
  socket.destroy();
  switch (outcome.state) {
    case 'done':
      throw new TunnelError(outcome.value.code, outcome.value.reason);
    case 'error':
      throw new MptError(MptErrorCode.ProtocolViolation, `the converter's reply is malformed: ${outcome.reason}`);
    case 'closed':
      if (outcome.error !== undefined) throw await explainHandshakeFailure(outcome.error, pinnedOptions);
      throw new MptError(MptErrorCode.ProtocolViolation, 'the converter ended the stream without a reply');
    case 'timeout':
      throw new MptError(MptErrorCode.ConnectTimeout, `no reply from the converter within ${replyTimeout} ms (replyTimeout)`);
  }
}
