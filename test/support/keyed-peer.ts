// A keyed but malicious peer over a real UDP socket: an engine Endpoint in the test process, driven by
// hand on a node:dgram socket, that completes a real handshake with a real server and then sends
// frames sealed with its connection's keys (sealAs), as if its engine had sent them.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { ClosedEvent } from '../../src/core/connection-events.js';
import type { Connection } from '../../src/core/connection.js';
import { Endpoint } from '../../src/core/endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import type { Frame } from '../../src/core/wire/index.js';
import { sealAs } from './hostile.js';

/** Milliseconds on a monotonic clock, the engine's time. */
function now(): number {
  return performance.now();
}

/** What the peer's connection reported: read bytes, whether the server finished, how it closed. */
export interface KeyedPeerState {
  /** Stream bytes the server sent, in order. */
  readonly received: Buffer[];
  /** The server ended its direction (FIN). */
  finished: boolean;
  /** The connection's 'closed' event, once it came. */
  closed: ClosedEvent | undefined;
}

/**
 * A client engine connection on its own UDP socket on 127.0.0.1, driven by hand (handleDatagram,
 * pollTransmit, handleTimeout), that can also send datagrams the engine never made: frames sealed as
 * its next 1-RTT packet ({@link sendFrames}), which the server authenticates as the connection's own.
 */
export class KeyedPeer implements KeyedPeerState {
  readonly received: Buffer[] = [];
  finished = false;
  closed: ClosedEvent | undefined;
  /** Datagrams sent that the engine did not make. */
  forged = 0;
  /** Datagrams received from the server. */
  datagramsIn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly out = new Uint8Array(65_536);
  private readonly waiters: (() => void)[] = [];
  private stopped = false;
  /** Datagrams handed to the socket whose send has not completed. */
  private sending = 0;
  private readonly sent = (): void => {
    this.sending--;
    if (this.sending === 0 && this.stopped) this.closeSocket();
  };

  private constructor(
    readonly endpoint: Endpoint,
    readonly connection: Connection,
    readonly socket: UdpSocket,
    readonly local: SocketAddress,
  ) {}

  /**
   * Binds a socket, starts an IK handshake to the server at 127.0.0.1:`serverPort` pinned to
   * `serverKey`, and resolves once the connection is established (rejects if it closes first).
   */
  static async connect(serverPort: number, serverKey: Uint8Array, transport: Record<string, unknown> = {}): Promise<KeyedPeer> {
    const socket = createSocket('udp4');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const local = { host: '127.0.0.1', port: socket.address().port };
    const endpoint = Endpoint.create({ transport }).match(
      (e) => e,
      (e) => {
        throw e;
      },
    );
    const connection = endpoint.connect(now(), local, { host: '127.0.0.1', port: serverPort }, { serverKey }).match(
      (c) => c,
      (e) => {
        throw e;
      },
    );
    const peer = new KeyedPeer(endpoint, connection, socket, local);
    socket.on('message', (bytes, from) => {
      if (peer.stopped) return;
      peer.datagramsIn++;
      endpoint.handleDatagram(now(), local, { host: from.address, port: from.port }, bytes);
      peer.pump();
    });
    peer.pump();
    await peer.until(() => connection.state !== 'handshaking' || peer.closed !== undefined);
    if (connection.state !== 'established') {
      peer.stop();
      throw new Error(`keyed peer: handshake ended ${connection.state} (${peer.closed?.reason ?? ''})`);
    }
    return peer;
  }

  /** The local UDP port, which the server sees as the connection's remote port. */
  get port(): number {
    return this.local.port;
  }

  /** Seals `frames` (or an encoded payload) as the connection's next packet on path 0 and sends it. */
  sendFrames(frames: readonly Frame[] | Uint8Array): void {
    if (this.stopped) return;
    const datagram = sealAs(this.connection, frames, now());
    const remote = this.connection.paths[0]!.remote;
    this.send(datagram, remote);
    this.forged++;
  }

  /** Resolves once `condition` holds, checked after every datagram and timer the engine handles. */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition()) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /**
   * Resolves once `condition` holds, sending `frames` (sealed) now and again every `intervalMs` until
   * it does: a datagram the loopback socket dropped under load must not leave the test waiting for the
   * idle timeout (the server answers a packet in its closing state with its CLOSE again, and
   * acknowledges an ack-eliciting one).
   */
  async poke(condition: () => boolean, frames: readonly Frame[] | Uint8Array = [{ type: 'ping' }], intervalMs = 100): Promise<void> {
    while (!condition() && !this.stopped) {
      this.sendFrames(frames);
      await Promise.race([this.until(condition), new Promise((resolve) => setTimeout(resolve, intervalMs))]);
    }
  }

  /** Resolves with the connection's 'closed' event. */
  async whenClosed(): Promise<ClosedEvent> {
    await this.until(() => this.closed !== undefined);
    return this.closed!;
  }

  /** Lets the engine run (sends what it has, re-arms its timer): after the test called into the connection. */
  pump(): void {
    if (this.stopped) return;
    for (let e = this.connection.pollEvent(); e !== undefined; e = this.connection.pollEvent()) {
      if (e.type === 'closed') this.closed = e;
      else if (e.type === 'finished') this.finished = true;
    }
    for (let bytes = this.connection.read(); bytes !== undefined; bytes = this.connection.read()) this.received.push(Buffer.from(bytes));
    for (let t = this.endpoint.pollTransmit(now(), this.out); t !== undefined; t = this.endpoint.pollTransmit(now(), this.out)) {
      this.send(Buffer.from(this.out.subarray(0, t.length)), t.remote);
    }
    clearTimeout(this.timer);
    const deadline = this.endpoint.nextTimeout();
    if (deadline !== undefined) {
      this.timer = setTimeout(() => {
        this.endpoint.handleTimeout(now());
        this.pump();
      }, Math.max(0, Math.ceil(deadline - now())));
    }
    const waiting = this.waiters.splice(0);
    for (const check of waiting) check();
  }

  /**
   * Stops driving the engine and closes the socket once what was sent has gone (the server is left to
   * time the connection out, or has closed it).
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.sending === 0) this.closeSocket();
  }

  private send(datagram: Uint8Array, to: SocketAddress): void {
    this.sending++;
    this.socket.send(datagram, to.port, to.host, this.sent);
  }

  private closeSocket(): void {
    try {
      this.socket.close();
    } catch {
      // closed already
    }
  }
}
