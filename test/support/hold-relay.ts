// A UDP relay for tests that need to hold a client's datagrams: the server sees the client's first
// flight while what the client sends next waits, so what a server does on the first flight alone
// (0-RTT) can be observed without timing; and every datagram is kept, for replaying.
import { randomFillSync } from 'node:crypto';
import { once } from 'node:events';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';

const udps = new Set<UdpSocket>();

/**
 * A UDP relay on 127.0.0.1 between one client and a server: datagrams pass both ways, except that while
 * `holding` those from the client are queued (in order) until release(). It keeps every datagram the
 * client sent (`fromClient`), so a test can replay one.
 */
export class HoldRelay {
  /** The relay's front port: the client connects here. */
  port = 0;
  /** While true, the client's datagrams are queued. */
  holding = false;
  /** Every datagram from the client, in arrival order. */
  readonly fromClient: Buffer[] = [];
  /** Datagrams from the client passed to the server so far. */
  passedToServer = 0;
  readonly #front = createSocket('udp4');
  readonly #back = createSocket('udp4');
  readonly #queue: Buffer[] = [];
  #client: RemoteInfo | undefined;

  private constructor(readonly serverPort: number) {
    udps.add(this.#front);
    udps.add(this.#back);
  }

  /** A relay in front of the server at 127.0.0.1:`serverPort`; with `holdAfter`, holding starts once that many client datagrams passed. */
  static async start(serverPort: number, holdAfter?: number): Promise<HoldRelay> {
    const relay = new HoldRelay(serverPort);
    await new Promise<void>((resolve) => relay.#front.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => relay.#back.bind(0, '127.0.0.1', resolve));
    relay.port = relay.#front.address().port;
    let armed = holdAfter !== undefined;
    relay.#front.on('message', (datagram, from) => {
      relay.#client = from;
      relay.fromClient.push(datagram);
      if (relay.holding) relay.#queue.push(datagram);
      else relay.#toServer(datagram);
      // Holding starts once, after `holdAfter` datagrams; after release() everything passes.
      if (armed && relay.passedToServer >= (holdAfter as number)) {
        armed = false;
        relay.holding = true;
      }
    });
    relay.#back.on('message', (datagram) => {
      const client = relay.#client;
      if (client !== undefined) relay.#front.send(datagram, client.port, client.address);
    });
    return relay;
  }

  /** The port the server sees the client's datagrams come from. */
  get backPort(): number {
    return this.#back.address().port;
  }

  /** Stops holding and passes on everything queued, in order. */
  release(): void {
    this.holding = false;
    for (const datagram of this.#queue.splice(0)) this.#toServer(datagram);
  }

  #toServer(datagram: Buffer): void {
    this.passedToServer++;
    this.#back.send(datagram, this.serverPort, '127.0.0.1');
  }
}

/** Sends `datagram` to 127.0.0.1:`port` from a fresh UDP socket (an attacker replaying a recorded one). */
export async function replayDatagram(datagram: Buffer, port: number): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  udps.add(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.on('message', () => {}); // whatever the converter answers: the attacker cannot read it
  socket.send(datagram, port, '127.0.0.1');
  return socket;
}

/**
 * Sends a copy of the Initial `datagram` to the server from a socket of its own, with a fresh destination
 * CID (the long header is not authenticated, docs/protocol.md §3), so the server takes it for a new
 * connection and answers; again every 100 ms until it does. Resolves once the answer came: by then the
 * server has done whatever it does on that flight alone.
 */
export async function replayUntilAnswered(datagram: Buffer, port: number): Promise<void> {
  const socket = createSocket('udp4');
  udps.add(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const answered = once(socket, 'message');
  const send = (): void => {
    const copy = Buffer.from(datagram);
    // Byte 5 is the DCID length, the DCID follows (after the first byte and the version).
    randomFillSync(copy, 6, copy[5]!);
    socket.send(copy, port, '127.0.0.1');
  };
  const timer = setInterval(send, 100);
  send();
  try {
    await answered;
  } finally {
    clearInterval(timer);
  }
}

/** Closes every relay and replaying socket. */
export function closeRelays(): void {
  for (const udp of udps) {
    try {
      udp.close();
    } catch {
      // closed already
    }
  }
  udps.clear();
}
