// An on-path attacker for tests over real loopback sockets: a UDP relay the client uses as its server
// address, which passes each client source (each path) through a back socket of its own, as a NAT does,
// so the server sees one address per path. It sees every datagram and can do what an on-path attacker
// can: replay, modify, inject, delay, and re-source (send a copy from another address first, as in a
// NAT-rebinding spoof). It cannot read or forge what the keys seal.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';

/** One client source address and the back socket that carries it to the server. */
export interface RelayFlow {
  /** The client's address and port. */
  readonly client: RemoteInfo;
  /** The socket that sends this flow to the server (the address the server sees). */
  readonly back: UdpSocket;
  /** Every datagram the client sent on this flow, in order. */
  readonly fromClient: Buffer[];
  /** Datagrams held back (while `holding`), passed on by release(). */
  readonly held: Buffer[];
  holding: boolean;
}

/** An attacker's socket at its own address, counting what it sends and what the server sends it. */
export interface AttackerSocket {
  readonly socket: UdpSocket;
  readonly host: string;
  readonly port: number;
  bytesSent: number;
  bytesReceived: number;
  datagramsReceived: number;
}

const sockets = new Set<UdpSocket>();

async function bound(host: string): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  sockets.add(socket);
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return socket;
}

/** A socket at `host` from which the attacker sends; it counts what comes back. */
export async function attackerSocket(host: string): Promise<AttackerSocket> {
  const socket = await bound(host);
  const attacker: AttackerSocket = { socket, host, port: socket.address().port, bytesSent: 0, bytesReceived: 0, datagramsReceived: 0 };
  socket.on('message', (datagram) => {
    attacker.bytesReceived += datagram.length;
    attacker.datagramsReceived++;
  });
  return attacker;
}

/** The relay: the client connects to `port`; flows in the order their client sources appeared. */
export class OnPathRelay {
  readonly flows: RelayFlow[] = [];
  #race: { flow: RelayFlow; attacker: AttackerSocket; holdMs: number; resolve: () => void } | undefined;

  private constructor(
    readonly front: UdpSocket,
    readonly serverPort: number,
  ) {}

  /** A relay on 127.0.0.1 in front of the server at 127.0.0.1:`serverPort`. */
  static async start(serverPort: number): Promise<OnPathRelay> {
    const relay = new OnPathRelay(await bound('127.0.0.1'), serverPort);
    relay.front.on('message', (datagram, from) => relay.#fromClient(datagram, from));
    return relay;
  }

  get port(): number {
    return this.front.address().port;
  }

  /** Sends `datagram` to the server from `flow`'s back socket (the path's own address: a replay, a modified or an injected datagram). */
  sendAs(flow: RelayFlow, datagram: Buffer): void {
    flow.back.send(datagram, this.serverPort, '127.0.0.1');
  }

  /** Sends `datagram` to the server from the attacker's own address. */
  sendFrom(attacker: AttackerSocket, datagram: Buffer): void {
    attacker.bytesSent += datagram.length;
    attacker.socket.send(datagram, this.serverPort, '127.0.0.1');
  }

  /**
   * The NAT-rebinding spoof: the next datagram the client sends on `flow` goes to the server first as a
   * copy from `attacker`; the genuine one, and all that follow on the flow, are held `holdMs`, then passed
   * on in order. Resolves once they were.
   */
  race(flow: RelayFlow, attacker: AttackerSocket, holdMs: number): Promise<void> {
    return new Promise((resolve) => (this.#race = { flow, attacker, holdMs, resolve }));
  }

  #fromClient(datagram: Buffer, from: RemoteInfo): void {
    let flow = this.flows.find((f) => f.client.address === from.address && f.client.port === from.port);
    if (flow === undefined) {
      const back = createSocket('udp4');
      sockets.add(back);
      back.bind(0, '127.0.0.1'); // sends wait for the bind
      const created: RelayFlow = { client: from, back, fromClient: [], held: [], holding: false };
      back.on('message', (answer) => this.front.send(answer, created.client.port, created.client.address));
      this.flows.push(created);
      flow = created;
    }
    flow.fromClient.push(datagram);
    const race = this.#race;
    if (race !== undefined && race.flow === flow) {
      this.#race = undefined;
      this.sendFrom(race.attacker, Buffer.from(datagram));
      flow.holding = true;
      const held = flow;
      setTimeout(() => {
        held.holding = false;
        for (const d of held.held.splice(0)) this.sendAs(held, d);
        race.resolve();
      }, race.holdMs);
    }
    if (flow.holding) flow.held.push(datagram);
    else this.sendAs(flow, datagram);
  }
}

/** Closes every relay and attacker socket. */
export function closeOnPathRelays(): void {
  for (const socket of sockets) {
    try {
      socket.close();
    } catch {
      // closed already
    }
  }
  sockets.clear();
}
