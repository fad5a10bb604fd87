import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Connection } from '../core/connection.js';
import type { ConnectionEvent } from '../core/connection-events.js';
import type { Endpoint } from '../core/endpoint.js';
import type { SocketAddress } from '../core/socket-address.js';
import { MptError, MptErrorCode } from '../errors.js';

/**
 * The event loop around one sans-IO {@link Endpoint} (DESIGN §2): datagrams
 * from the UDP socket go in with `performance.now()` as the clock, every
 * output datagram is drained to the socket, one timer is armed at
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
}

/** How to bind a driver's socket. */
export interface BindOptions {
  /** 'udp4' or 'udp6'. */
  readonly type: 'udp4' | 'udp6';
  /** Local address to bind. */
  readonly host: string;
  /** Local port; 0 picks one. */
  readonly port: number;
  /** Connect the socket to this peer (a client with one path): the kernel then filters strays and reports ICMP errors. */
  readonly connectTo?: SocketAddress | undefined;
}

/** Counters of the driver, for tests and diagnostics. */
export interface DriverStats {
  /** Datagrams handed to the socket. */
  datagramsSent: number;
  /** Datagrams received from the socket. */
  datagramsReceived: number;
  /** Sends the socket failed (treated as losses). */
  sendErrors: number;
}

/** Drives one Endpoint over one UDP socket. */
export class EndpointDriver {
  /** The engine. */
  readonly endpoint: Endpoint;
  /** The bound local address, as the engine sees it. */
  local: SocketAddress = { host: '', port: 0 };
  /** Counters. */
  readonly stats: DriverStats = { datagramsSent: 0, datagramsReceived: 0, sendErrors: 0 };
  /** New server connections (endpoint 'connection' events). */
  onConnection: ((connection: Connection) => void) | undefined = undefined;
  /** A socket error after the bind: the socket is closed and every owner must fail. */
  onError: ((error: MptError) => void) | undefined = undefined;
  /** An ICMP error on a connected socket (ECONNREFUSED and friends); the socket stays open. */
  onUnreachable: ((error: MptError) => void) | undefined = undefined;
  /** Sees every raw datagram first; returning true consumes it (the client's version probe). */
  onRawDatagram: ((bytes: Buffer) => boolean) | undefined = undefined;
  /** The UDP socket closed. */
  onClosed: (() => void) | undefined = undefined;

  private readonly socket: UdpSocket;
  private readonly connected: boolean;
  private readonly out = new Uint8Array(OUT_BUFFER_BYTES);
  private readonly owners = new Map<Connection, ConnectionOwner>();
  private readonly flushBound = (): void => this.flush();
  private readonly onTimerBound = (): void => this.onTimer();
  private readonly onSentBound = (error: Error | null): void => {
    if (error !== null) this.stats.sendErrors++;
  };
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private flushQueued = false;
  private refed = true;
  private closing = false;
  private closed = false;
  private lastRemote: SocketAddress = { host: '', port: 0 };

  private constructor(endpoint: Endpoint, socket: UdpSocket, connected: boolean) {
    this.endpoint = endpoint;
    this.socket = socket;
    this.connected = connected;
  }

  /** Binds a socket for `endpoint`; rejects with an MptError (SocketError) when the bind fails. */
  static bind(endpoint: Endpoint, options: BindOptions): Promise<EndpointDriver> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: options.type, ipv6Only: false });
      let driver: EndpointDriver | undefined;
      const fail = (error: Error): void => {
        if (driver !== undefined) return driver.handleSocketError(error);
        try {
          socket.close();
        } catch {
          // already closed
        }
        reject(socketError(error, `cannot bind ${options.type} ${options.host}:${options.port}`));
      };
      socket.on('error', fail);
      socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
        const ready = (): void => {
          try {
            socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
            socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
          } catch {
            // the OS may cap or refuse the size; the defaults still work
          }
          const d = new EndpointDriver(endpoint, socket, options.connectTo !== undefined);
          const address = socket.address();
          d.local = { host: address.address, port: address.port };
          driver = d;
          socket.on('message', (msg, rinfo) => d.onMessage(msg, rinfo));
          socket.on('close', () => d.onSocketClosed());
          resolve(d);
        };
        if (options.connectTo === undefined) return ready();
        socket.connect(options.connectTo.port, options.connectTo.host, ready);
      });
    });
  }

  /** Routes `connection`'s events to `owner` from now on. */
  attach(connection: Connection, owner: ConnectionOwner): void {
    this.owners.set(connection, owner);
    this.schedule();
  }

  /** Stops routing `connection`'s events; the engine keeps driving it until it is closed. */
  detach(connection: Connection): void {
    this.owners.delete(connection);
  }

  /** Whether the socket and timer keep the process alive. */
  setRef(refed: boolean): void {
    if (this.refed === refed) return;
    this.refed = refed;
    if (this.closed) return;
    if (refed) {
      this.socket.ref();
      this.timer?.ref();
    } else {
      this.socket.unref();
      this.timer?.unref();
    }
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

  /** Closes the socket once every connection is closed (CLOSE frames still go out until then). */
  closeWhenIdle(): void {
    this.closing = true;
    this.setRef(false);
    this.schedule();
  }

  /** Closes the socket now. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  /** Sends a datagram that is not the engine's (the client's version probe). */
  sendRaw(bytes: Uint8Array, remote: SocketAddress): void {
    if (this.closed) return;
    this.sendDatagram(Buffer.from(bytes), remote);
  }

  // ----- the loop ---------------------------------------------------------------------------

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    this.stats.datagramsReceived++;
    if (this.onRawDatagram !== undefined && this.onRawDatagram(msg)) return;
    let remote = this.lastRemote;
    if (remote.port !== rinfo.port || remote.host !== rinfo.address) {
      remote = { host: rinfo.address, port: rinfo.port };
      this.lastRemote = remote;
    }
    try {
      this.endpoint.handleDatagram(performance.now(), this.local, remote, msg);
    } catch {
      // The engine promises not to throw; if it ever does, a datagram is lost, not the process.
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
      const datagram = Buffer.allocUnsafe(transmit.length);
      datagram.set(out.subarray(0, transmit.length));
      this.sendDatagram(datagram, transmit.remote);
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

  private dispatch(): void {
    for (let e = this.endpoint.pollEvent(); e !== undefined; e = this.endpoint.pollEvent()) {
      if (this.onConnection !== undefined) this.onConnection(e.connection);
      else e.connection.close(performance.now());
    }
    for (const [connection, owner] of this.owners) {
      for (let e = connection.pollEvent(); e !== undefined; e = connection.pollEvent()) {
        owner.handleConnectionEvent(e);
        if (this.owners.get(connection) !== owner) break;
      }
      if (this.owners.get(connection) === owner) owner.afterEvents();
    }
  }

  private sendDatagram(datagram: Buffer, remote: SocketAddress): void {
    this.stats.datagramsSent++;
    try {
      if (this.connected) this.socket.send(datagram, this.onSentBound);
      else this.socket.send(datagram, remote.port, remote.host, this.onSentBound);
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

  private handleSocketError(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    // On a connected socket, ICMP errors surface as receive errors; the socket itself is fine.
    if (this.connected && (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN')) {
      const mpt =
        code === 'ECONNREFUSED'
          ? new MptError(MptErrorCode.ConnectionRefused, 'nothing listens on the server port (ICMP port unreachable)', { cause: error })
          : socketError(error, 'the server is unreachable');
      this.onUnreachable?.(mpt);
      return;
    }
    const mpt = socketError(error, 'UDP socket failed');
    this.destroy();
    this.onError?.(mpt);
  }

  private onSocketClosed(): void {
    this.closed = true;
    this.clearTimer();
    this.onClosed?.();
  }
}

/** Wraps a system error from node:dgram. */
export function socketError(error: Error, what: string): MptError {
  const code = (error as NodeJS.ErrnoException).code;
  return new MptError(MptErrorCode.SocketError, `${what}: ${code ?? error.message}`, { cause: error });
}
