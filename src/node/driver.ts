import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Connection } from '../core/connection.js';
import type { ConnectionEvent } from '../core/connection-events.js';
import type { Endpoint, EndpointTableSizes } from '../core/endpoint.js';
import { formatAddress, type SocketAddress } from '../core/socket-address.js';
import { MptError, MptErrorCode } from '../errors.js';
import { pathLocalAddresses } from './path-info.js';

/**
 * The event loop around one sans-IO {@link Endpoint} (docs/design.md §2.1) and its UDP
 * sockets, one per local address: datagrams go in with `performance.now()`
 * as the clock and their socket's address as `local`, every output datagram
 * is drained to the socket of its `local`, one timer is armed at
 * `nextTimeout()`, and connection events go to whoever owns the connection.
 * This is the only place mpt touches node:dgram and timers.
 * @module
 */

/** The largest datagram the engine may build (DatagramEndpoint.pollTransmit). */
const OUT_BUFFER_BYTES = 65_536;
/**
 * Most datagrams sent in one flush before yielding to the event loop, so
 * that ACKs that arrived meanwhile are read before the window is filled
 * further. More is drained on the next turn (setImmediate).
 */
const MAX_DATAGRAMS_PER_FLUSH = 512;
/** Kernel socket buffers we ask for: big enough for a window's burst on loopback. */
const SOCKET_BUFFER_BYTES = 4 << 20;

/** Whoever owns a connection on a driver: a socket, or the server while the handshake runs. */
export interface ConnectionOwner {
  /** One event of the owned connection. */
  handleConnectionEvent(event: ConnectionEvent): void;
  /** Called once per flush after the events, before output is drained (pull reads, check the FIN's ACK). */
  afterEvents(): void;
  /** Every socket the owned connection uses failed (and closed): the connection cannot send any more. */
  handleSocketError(error: MptError): void;
  /** The driver is to close (a server closed): finish as soon as nothing more is owed to the peer. */
  release?(): void;
}

/** How to bind one of a driver's sockets. */
export interface BindOptions {
  /** 'udp4' or 'udp6'. */
  readonly type: 'udp4' | 'udp6';
  /** Local address to bind. */
  readonly host: string;
  /** Local port; 0 picks one. */
  readonly port: number;
  /** Connect the socket to this peer (a client's first path): the kernel then filters strays and reports ICMP errors. */
  readonly connectTo?: SocketAddress | undefined;
  /**
   * With `connectTo`: also bind an unconnected twin socket on the source address the kernel picked (any
   * port), through which datagrams to other peers leave, and whose datagrams arrive as this socket's
   * own. So a path manager may open paths from this address to the server's other addresses, while the
   * connected socket keeps its ICMP reports and filtering. Default false.
   */
  readonly sendAnywhere?: boolean | undefined;
  /** A udp6 socket on '::' that takes IPv6 only (no IPv4-mapped traffic). Default false: dual stack. */
  readonly ipv6Only?: boolean | undefined;
}

/** How to bind a driver's set of sockets. */
export interface BindSetOptions {
  /**
   * Sockets after the first that ask for port 0 try the port the first one got, and fall back to a port
   * of their own when it is taken there (a server: one port number on every address). Default false.
   */
  readonly sharePort?: boolean | undefined;
}

/** Counters of the driver, for tests and diagnostics. */
export interface DriverStats {
  /** Datagrams handed to a socket. */
  datagramsSent: number;
  /** Datagrams received from the sockets. */
  datagramsReceived: number;
  /** Sends a socket failed or could not take (its socket closed, a connected socket's other peer): treated as losses. */
  sendErrors: number;
  /** Transmits dropped because no socket of the driver has their local address. */
  unknownLocal: number;
}

/** One bound UDP socket of a driver: the local address a path uses. */
interface BoundSocket {
  readonly socket: UdpSocket;
  /** The bound address, as the engine sees it (the same object every time, so the engine's paths can hold it). */
  readonly local: SocketAddress;
  /** The peer of a connected socket, which can send nowhere else. */
  readonly connectTo: SocketAddress | undefined;
  /** A connected socket's unconnected twin on the same local IP (see BindOptions.sendAnywhere), for every other peer. */
  twin: UdpSocket | undefined;
  /** The twin's last sender, as {@link lastRemote}. */
  twinLastRemote: SocketAddress;
  /** The socket closed (by us, or after an error). */
  closed: boolean;
  /** The last sender, reused while it does not change (no object per datagram). */
  lastRemote: SocketAddress;
  /** An error between the bind and the driver taking the socket over (while the next socket binds). */
  earlyError: Error | undefined;
}

/** A new server connection and the socket its first datagram arrived on. */
interface Accepted {
  readonly connection: Connection;
  readonly local: SocketAddress;
}

/** An attached connection: its owner, and the socket it was started or accepted on. */
interface Attachment {
  readonly owner: ConnectionOwner;
  readonly local: SocketAddress;
  /** Attach order: owners are visited in it. */
  readonly order: number;
}

/**
 * Drives one Endpoint over one UDP socket per local address (docs/design.md §2.3:
 * node:dgram cannot tell or choose the local address of a wildcard socket).
 * Each received datagram goes to the engine with its socket's address as
 * `local`; each transmit leaves from the socket whose address is its `local`.
 */
export class EndpointDriver {
  /** The engine. */
  readonly endpoint: Endpoint;
  /** The first socket's address, as the engine sees it. */
  readonly local: SocketAddress;
  /** Counters. */
  readonly stats: DriverStats = { datagramsSent: 0, datagramsReceived: 0, sendErrors: 0, unknownLocal: 0 };
  /** New server connections (endpoint 'connection' events), with the local address they arrived on. */
  onConnection: ((connection: Connection, local: SocketAddress) => void) | undefined = undefined;
  /**
   * A socket failed after the bind and is closed; `remaining` sockets are still open. The owners of
   * connections that used only failed sockets were told first (ConnectionOwner.handleSocketError).
   */
  onSocketError: ((error: MptError, local: SocketAddress, remaining: number) => void) | undefined = undefined;
  /** An ICMP error on a connected socket (ECONNREFUSED and friends); the socket stays open. */
  onUnreachable: ((error: MptError) => void) | undefined = undefined;
  /** Sees every raw datagram first; returning true consumes it (the client's version probe). */
  onRawDatagram: ((bytes: Buffer) => boolean) | undefined = undefined;
  /** Every UDP socket closed. */
  onClosed: (() => void) | undefined = undefined;

  private readonly sockets: BoundSocket[];
  private readonly out = new Uint8Array(OUT_BUFFER_BYTES);
  private readonly owners = new Map<Connection, Attachment>();
  private attachments = 0;
  /** Connections the endpoint touched (or that were attached) since the last dispatch: only their owners are visited. */
  private readonly touched = new Set<Connection>();
  /** The owners visited by one dispatch, reused. */
  private readonly visits: Array<{ connection: Connection; attachment: Attachment }> = [];
  private readonly accepted: Accepted[] = [];
  private readonly flushBound = (): void => this.flush();
  private readonly onTimerBound = (): void => this.onTimer();
  private readonly onSentBound = (error: Error | null): void => {
    if (error !== null) this.stats.sendErrors++;
  };
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private flushQueued = false;
  /** Whether the sockets and timer keep the process alive now: {@link wantRef} or a holder. */
  private refed = true;
  /** What {@link setRef} asked for. */
  private wantRef = true;
  /** Owners whose work keeps the process alive whatever setRef says ({@link hold}). */
  private readonly holders = new Set<object>();
  private closing = false;
  private closed = false;
  private openSockets: number;

  /** A driver over sockets already bound (see {@link EndpointDriver.bind}); `sockets` is not empty. */
  private constructor(endpoint: Endpoint, sockets: readonly BoundSocket[]) {
    this.endpoint = endpoint;
    this.sockets = [...sockets];
    this.local = (sockets[0] as BoundSocket).local;
    this.openSockets = sockets.length;
    endpoint.onTouched = (connection) => void this.touched.add(connection);
    for (const bound of sockets) this.adopt(bound);
  }

  /** Routes a bound socket's datagrams and errors to this driver. */
  private adopt(bound: BoundSocket): void {
    bound.socket.removeAllListeners('error');
    bound.socket.on('message', (msg, rinfo) => this.onMessage(bound, msg, rinfo, false));
    const twin = bound.twin;
    if (twin !== undefined) {
      twin.removeAllListeners('error');
      twin.on('message', (msg, rinfo) => this.onMessage(bound, msg, rinfo, true));
      // The twin only serves other peers: when it fails, they become unreachable from here, nothing more.
      twin.on('error', () => this.closeTwin(bound));
    }
    bound.socket.on('error', (error) => this.handleSocketError(bound, error));
    bound.socket.on('close', () => this.onSocketClosed(bound));
    const early = bound.earlyError;
    // Reported once the caller has set its handlers.
    if (early !== undefined) setImmediate(() => this.handleSocketError(bound, early));
  }

  /**
   * Binds one more socket (an interface address that appeared) and returns its address as the engine
   * will see it; rejects with an MptError (SocketError) when the bind fails, or InvalidState once the
   * driver is closing.
   */
  async addSocket(binding: BindOptions): Promise<SocketAddress> {
    if (this.closed || this.closing) throw new MptError(MptErrorCode.InvalidState, 'the driver is closing');
    const bound = await bindSocket(binding);
    if (this.closed || this.closing) {
      closeQuietly(bound.socket);
      if (bound.twin !== undefined) closeQuietly(bound.twin);
      throw new MptError(MptErrorCode.InvalidState, 'the driver is closing');
    }
    this.sockets.push(bound);
    this.openSockets++;
    this.adopt(bound);
    if (!this.refed) {
      bound.socket.unref();
      bound.twin?.unref();
    }
    return bound.local;
  }

  /**
   * Closes the socket bound to `local` (an interface address that went away) and forgets it, so a later
   * socket on the same address is a new one. The first socket cannot be closed this way (it carries the
   * connection's start); returns whether a socket was closed.
   */
  closeSocket(local: SocketAddress): boolean {
    const i = this.sockets.findIndex((b, index) => index > 0 && (b.local === local || (b.local.port === local.port && b.local.host === local.host)));
    const bound = this.sockets[i];
    if (bound === undefined) return false;
    this.sockets.splice(i, 1);
    if (!bound.closed) {
      bound.closed = true;
      this.openSockets--;
    }
    closeQuietly(bound.socket);
    this.closeTwin(bound);
    return true;
  }

  /**
   * Binds one socket per entry of `bindings` (in order) for `endpoint`, connected ones and host names
   * included (a client's sockets); rejects with an MptError (SocketError) when one fails, after closing
   * those already bound. A server's sockets, on IP literals, bind at once: {@link EndpointDriver.bindSync}.
   */
  static async bind(endpoint: Endpoint, bindings: BindOptions | readonly BindOptions[]): Promise<EndpointDriver> {
    const list: readonly BindOptions[] = Array.isArray(bindings) ? bindings : [bindings as BindOptions];
    if (list.length === 0) throw new MptError(MptErrorCode.InvalidConfig, 'a driver needs at least one socket');
    const bound: BoundSocket[] = [];
    try {
      for (const binding of list) bound.push(await bindSocket(binding));
    } catch (error) {
      for (const b of bound) closeQuietly(b.socket);
      throw error;
    }
    return new EndpointDriver(endpoint, bound);
  }

  /**
   * As {@link EndpointDriver.bind}, but at once, for unconnected sockets on IP literals (a server's), with
   * `sharePort` (one port number on every address where it is free): node:dgram binds
   * synchronously when its address needs no lookup (the `lookup` given answers at once), so the
   * addresses are known when this returns (as net.Server's after `listen(port)`). Throws an MptError
   * (SocketError, InvalidConfig for a host that is no IP literal) after closing those already bound.
   */
  static bindSync(endpoint: Endpoint, bindings: BindOptions | readonly BindOptions[], options: BindSetOptions = {}): EndpointDriver {
    const list: readonly BindOptions[] = Array.isArray(bindings) ? bindings : [bindings as BindOptions];
    if (list.length === 0) throw new MptError(MptErrorCode.InvalidConfig, 'a driver needs at least one socket');
    const bound: BoundSocket[] = [];
    try {
      for (const binding of list) {
        const first = bound[0];
        if (options.sharePort === true && first !== undefined && binding.port === 0) {
          let shared: BoundSocket | undefined;
          try {
            shared = bindSocketSync({ ...binding, port: first.local.port });
          } catch (error) {
            if (!isAddressInUse(error)) throw error;
          }
          bound.push(shared ?? bindSocketSync(binding));
        } else {
          bound.push(bindSocketSync(binding));
        }
      }
    } catch (error) {
      for (const b of bound) closeQuietly(b.socket);
      throw error;
    }
    return new EndpointDriver(endpoint, bound);
  }

  /** The local addresses of the sockets still open, in bind order. */
  addresses(): SocketAddress[] {
    const out: SocketAddress[] = [];
    for (const bound of this.sockets) if (!bound.closed) out.push(bound.local);
    return out;
  }

  /**
   * Routes `connection`'s events to `owner` from now on. `local` is the socket it was started or
   * accepted on (until the connection has paths, the only way to know which socket it depends on).
   */
  attach(connection: Connection, owner: ConnectionOwner, local: SocketAddress = this.local): void {
    this.owners.set(connection, { owner, local, order: this.attachments++ });
    this.touched.add(connection);
    this.schedule();
  }

  /** Stops routing `connection`'s events; the engine keeps driving it until it is closed. */
  detach(connection: Connection): void {
    this.owners.delete(connection);
  }

  /**
   * Whether the sockets and timer keep the process alive on the driver's own account (a listening
   * server); holders ({@link hold}) keep it alive either way.
   */
  setRef(refed: boolean): void {
    this.wantRef = refed;
    this.applyRef();
  }

  /**
   * Whether `holder`'s work keeps the process alive, as an active handle does in node:net (a socket
   * that reads, has writes in flight or connects); a holder that is done calls it with false.
   */
  hold(holder: object, active: boolean): void {
    if (active === this.holders.has(holder)) return;
    if (active) this.holders.add(holder);
    else this.holders.delete(holder);
    this.applyRef();
  }

  private applyRef(): void {
    const refed = this.wantRef || this.holders.size > 0;
    if (this.refed === refed) return;
    this.refed = refed;
    if (this.closed) return;
    for (const bound of this.sockets) {
      if (bound.closed) continue;
      if (refed) bound.socket.ref();
      else bound.socket.unref();
      if (refed) bound.twin?.ref();
      else bound.twin?.unref();
    }
    if (refed) this.timer?.ref();
    else this.timer?.unref();
  }

  /** Asks for a flush on this event-loop turn (after every pending datagram is read). */
  schedule(): void {
    if (this.flushQueued || this.closed) return;
    this.flushQueued = true;
    setImmediate(this.flushBound);
  }

  /** The engine's clock. */
  now(): number {
    return performance.now();
  }

  /** Asks every owner that can ({@link ConnectionOwner.release}) to finish as soon as it owes nothing. */
  releaseOwners(): void {
    for (const { owner } of [...this.owners.values()]) owner.release?.();
    this.schedule();
  }

  /** Closes the sockets once every connection is closed (CLOSE frames still go out until then). */
  closeWhenIdle(): void {
    this.closing = true;
    this.setRef(false);
    this.schedule();
  }

  /**
   * What the driver still holds open, for tests and diagnostics: the UDP sockets (twins included) not
   * yet closed, whether its timer is armed, and whether it is closed for good.
   */
  activity(): { readonly sockets: number; readonly timerArmed: boolean; readonly closed: boolean } {
    let sockets = 0;
    for (const bound of this.sockets) if (!bound.closed) sockets += bound.twin === undefined ? 1 : 2;
    return { sockets, timerArmed: this.timer !== undefined, closed: this.closed };
  }

  /**
   * How many entries the driver's per-connection tables hold (connections attached to an owner, touched
   * since the last dispatch, accepted and not yet handed over, owners holding the process alive), with
   * the engine's ({@link Endpoint.tableSizes}): all 0 once every connection is gone. For tests and
   * diagnostics.
   */
  tableSizes(): EndpointTableSizes & { readonly owners: number; readonly touched: number; readonly accepted: number; readonly holders: number } {
    return { ...this.endpoint.tableSizes(), owners: this.owners.size, touched: this.touched.size, accepted: this.accepted.length, holders: this.holders.size };
  }

  /** Closes every socket now. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.openSockets = 0;
    for (const bound of this.sockets) {
      if (bound.closed) continue;
      bound.closed = true;
      closeQuietly(bound.socket);
      this.closeTwin(bound);
    }
  }

  /** Sends a datagram that is not the engine's (the client's version probe) from the first socket. */
  sendRaw(bytes: Uint8Array, remote: SocketAddress): void {
    if (this.closed) return;
    this.sendDatagram(this.sockets[0] as BoundSocket, Buffer.from(bytes), remote);
  }

  // ----- the loop ---------------------------------------------------------------------------

  private onMessage(bound: BoundSocket, msg: Buffer, rinfo: RemoteInfo, viaTwin: boolean): void {
    if (this.closed || bound.closed) return;
    this.stats.datagramsReceived++;
    if (this.onRawDatagram !== undefined && this.onRawDatagram(msg)) return;
    let remote = viaTwin ? bound.twinLastRemote : bound.lastRemote;
    if (remote.port !== rinfo.port || remote.host !== rinfo.address) {
      remote = { host: rinfo.address, port: rinfo.port };
      if (viaTwin) bound.twinLastRemote = remote;
      else bound.lastRemote = remote;
    }
    const endpoint = this.endpoint;
    try {
      endpoint.handleDatagram(performance.now(), bound.local, remote, msg);
    } catch {
      // The engine promises not to throw; if it ever does, a datagram is lost, not the process.
    }
    // A new connection can only come from this datagram: note the socket it arrived on now, as the
    // connection itself does not say before it has paths.
    for (let e = endpoint.pollEvent(); e !== undefined; e = endpoint.pollEvent()) {
      this.accepted.push({ connection: e.connection, local: bound.local });
    }
    // Drain output after every datagram of this turn has been read (check phase, after poll).
    this.schedule();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    this.flush();
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    const now = performance.now();
    const endpoint = this.endpoint;
    const due = endpoint.nextTimeout();
    if (due !== undefined && due <= now) endpoint.handleTimeout(now);
    this.dispatch();
    const out = this.out;
    let sent = 0;
    for (;;) {
      if (this.closed) return;
      const transmit = endpoint.pollTransmit(now, out);
      if (transmit === undefined) break;
      const bound = this.socketFor(transmit.local);
      if (bound === undefined) {
        // Not a socket of ours (the engine's mistake, or an address being removed): lost, and counted.
        this.stats.unknownLocal++;
      } else {
        const datagram = Buffer.allocUnsafe(transmit.length);
        datagram.set(out.subarray(0, transmit.length));
        this.sendDatagram(bound, datagram, transmit.remote);
      }
      if (++sent >= MAX_DATAGRAMS_PER_FLUSH) {
        this.schedule();
        break;
      }
    }
    if (this.closing && this.idle()) {
      this.destroy();
      return;
    }
    this.arm();
  }

  /** The socket bound to `local`: a scan, as a driver has a handful of sockets and the engine hands back our own objects. */
  private socketFor(local: SocketAddress): BoundSocket | undefined {
    const sockets = this.sockets;
    for (let i = 0; i < sockets.length; i++) {
      const bound = sockets[i] as BoundSocket;
      if (bound.local === local || (bound.local.port === local.port && bound.local.host === local.host)) return bound;
    }
    return undefined;
  }

  private dispatch(): void {
    const accepted = this.accepted;
    for (let i = 0; i < accepted.length; i++) {
      const { connection, local } = accepted[i] as Accepted;
      if (this.onConnection !== undefined) this.onConnection(connection, local);
      else connection.close(performance.now());
    }
    accepted.length = 0;
    const touched = this.touched;
    if (touched.size === 0) return;
    // Only the owners of connections that something happened to: the others have no events, and nothing
    // their afterEvents() reads changed. In attach order, as when every owner was visited.
    const visits = this.visits;
    for (const connection of touched) {
      const attachment = this.owners.get(connection);
      if (attachment !== undefined) visits.push({ connection, attachment });
    }
    touched.clear();
    if (visits.length > 1) visits.sort((a, b) => a.attachment.order - b.attachment.order);
    for (let i = 0; i < visits.length; i++) {
      const { connection, attachment } = visits[i] as { connection: Connection; attachment: Attachment };
      if (this.owners.get(connection) !== attachment) continue;
      const owner = attachment.owner;
      for (let e = connection.pollEvent(); e !== undefined; e = connection.pollEvent()) {
        owner.handleConnectionEvent(e);
        if (this.owners.get(connection) !== attachment) break;
      }
      if (this.owners.get(connection) === attachment) owner.afterEvents();
    }
    visits.length = 0;
  }

  private sendDatagram(bound: BoundSocket, datagram: Buffer, remote: SocketAddress): void {
    if (bound.closed) {
      this.stats.sendErrors++;
      return;
    }
    this.stats.datagramsSent++;
    const peer = bound.connectTo;
    try {
      if (peer === undefined) bound.socket.send(datagram, remote.port, remote.host, this.onSentBound);
      else if (peer.port === remote.port && peer.host === remote.host) bound.socket.send(datagram, this.onSentBound);
      else if (bound.twin !== undefined) bound.twin.send(datagram, remote.port, remote.host, this.onSentBound);
      else this.stats.sendErrors++; // a connected socket cannot reach another peer
    } catch {
      this.stats.sendErrors++;
    }
  }

  private arm(): void {
    const at = this.endpoint.nextTimeout();
    if (at === undefined) return this.clearTimer();
    if (this.timer !== undefined && at === this.timerAtMs) return;
    this.clearTimer();
    this.timerAtMs = at;
    // Timers fire in whole milliseconds; a timer that fires early finds nothing due and re-arms.
    this.timer = setTimeout(this.onTimerBound, Math.max(0, Math.ceil(at - performance.now())));
    if (!this.refed) this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }

  private idle(): boolean {
    for (const connection of this.endpoint.connections) if (connection.state !== 'closed') return false;
    return true;
  }

  private handleSocketError(bound: BoundSocket, error: Error): void {
    if (bound.closed) return;
    const code = (error as NodeJS.ErrnoException).code;
    // On a connected socket, ICMP errors surface as receive errors; the socket itself is fine.
    if (bound.connectTo !== undefined && (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN')) {
      const mpt =
        code === 'ECONNREFUSED'
          ? new MptError(MptErrorCode.ConnectionRefused, `connect ECONNREFUSED ${formatAddress(bound.connectTo)}: nothing listens on that UDP port (ICMP port unreachable)`, { cause: error })
          : socketError(error, 'the server is unreachable');
      this.onUnreachable?.(mpt);
      return;
    }
    const mpt = socketError(error, `UDP socket ${formatAddress(bound.local)} failed`);
    // Only this socket closes; only connections that depended on it alone fail.
    bound.closed = true;
    this.openSockets--;
    closeQuietly(bound.socket);
    this.closeTwin(bound);
    for (const [connection, attachment] of [...this.owners]) {
      if (!this.usesOpenSocket(connection, attachment)) attachment.owner.handleSocketError(mpt);
    }
    if (this.openSockets === 0) this.destroy();
    this.onSocketError?.(mpt, bound.local, this.openSockets);
  }

  private closeTwin(bound: BoundSocket): void {
    const twin = bound.twin;
    if (twin === undefined) return;
    bound.twin = undefined;
    closeQuietly(twin);
  }

  /** Whether some path of `connection` (or, before it has paths, the socket it started on) still has an open socket. */
  private usesOpenSocket(connection: Connection, attachment: Attachment): boolean {
    const locals = pathLocalAddresses(connection);
    if (locals.length === 0) return this.socketFor(attachment.local)?.closed === false;
    for (const local of locals) if (this.socketFor(local)?.closed === false) return true;
    return false;
  }

  private onSocketClosed(bound: BoundSocket): void {
    if (!bound.closed) {
      bound.closed = true;
      this.openSockets--;
    }
    if (this.sockets.every((b) => b.closed)) {
      this.closed = true;
      this.clearTimer();
      const onClosed = this.onClosed;
      this.onClosed = undefined;
      onClosed?.();
    }
  }
}

/** Binds and (when asked) connects one UDP socket; rejects with an MptError (SocketError) after closing it. */
function bindSocket(options: BindOptions): Promise<BoundSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: options.type, ipv6Only: options.ipv6Only ?? false });
    const fail = (error: Error): void => {
      closeQuietly(socket);
      reject(socketError(error, `cannot bind ${options.type} ${formatAddress({ host: options.host, port: options.port })}`));
    };
    socket.once('error', fail);
    socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
      const ready = (): void => {
        socket.removeListener('error', fail);
        const bound = boundRecord(socket, options.connectTo);
        if (options.connectTo === undefined || options.sendAnywhere !== true) return resolve(bound);
        // The twin binds to the source address the kernel picked for the connected socket.
        bindSocket({ type: options.type, host: bound.local.host, port: 0 }).then(
          (twin) => {
            bound.twin = twin.socket;
            resolve(bound);
          },
          (error: unknown) => {
            closeQuietly(socket);
            reject(error);
          },
        );
      };
      if (options.connectTo === undefined) return ready();
      socket.connect(options.connectTo.port, options.connectTo.host, ready);
    });
  });
}

/** A bound socket's record, its buffers enlarged and early errors kept. */
function boundRecord(socket: UdpSocket, connectTo: SocketAddress | undefined): BoundSocket {
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {
    // the OS may cap or refuse the size; the defaults still work
  }
  const address = socket.address();
  const bound: BoundSocket = {
    socket,
    local: { host: address.address, port: address.port },
    connectTo,
    twin: undefined,
    twinLastRemote: { host: '', port: 0 },
    closed: false,
    lastRemote: { host: '', port: 0 },
    earlyError: undefined,
  };
  socket.on('error', (error) => {
    bound.earlyError ??= error;
  });
  return bound;
}

/**
 * Binds one unconnected UDP socket on an IP literal before returning (see {@link EndpointDriver.bindSync}):
 * the socket's `lookup` answers at once, so node:dgram binds, and reports a failure, inside `bind()`.
 */
function bindSocketSync(options: BindOptions): BoundSocket {
  const family = isIP(options.host);
  if (family === 0 || options.connectTo !== undefined) throw new MptError(MptErrorCode.InvalidConfig, `cannot bind ${options.host} at once: not an IP address`);
  const socket = createSocket({
    type: options.type,
    ipv6Only: options.ipv6Only ?? false,
    lookup: (host, _options, callback) => callback(null, host, family),
  });
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
  };
  socket.on('error', fail);
  let bound = false;
  try {
    socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
      bound = true;
    });
  } catch (error) {
    failure ??= error as Error;
  }
  socket.removeListener('error', fail);
  if (failure !== undefined || !bound) {
    closeQuietly(socket);
    const what = `cannot bind ${options.type} ${formatAddress({ host: options.host, port: options.port })}`;
    throw failure !== undefined ? socketError(failure, what) : new MptError(MptErrorCode.SocketError, `${what}: the bind did not complete at once`);
  }
  return boundRecord(socket, undefined);
}

function closeQuietly(socket: UdpSocket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

function isAddressInUse(error: unknown): boolean {
  return error instanceof MptError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** Wraps a system error from node:dgram. */
export function socketError(error: Error, what: string): MptError {
  const code = (error as NodeJS.ErrnoException).code;
  // The address taken keeps node:net's code (a server that cannot listen on its port checks for it).
  const mptCode = code === 'EADDRINUSE' ? MptErrorCode.AddressInUse : MptErrorCode.SocketError;
  return new MptError(mptCode, `${what}: ${code ?? error.message}`, { cause: error });
}
