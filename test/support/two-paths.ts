// Two-path scenarios for the simulator tests: a client on CLIENT and
// CLIENT_B, a server, one link each, the second path opened right after the
// handshake; and an endpoint wrapper that counts bytes per remote host.
import type { Connection } from '../../src/core/connection.js';
import type { DatagramEndpoint, Transmit } from '../../src/core/datagram-endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';
import type { TransportConfig } from '../../src/core/config.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { LinkOptions } from '../../src/sim/link-options.js';
import { SERVER, enginePair } from './engine-pair.js';
import { specLink } from './multipath.js';
import { nullProvider } from './null-provider.js';

export const CLIENT_B: SocketAddress = { host: '10.0.1.1', port: 40_001 };

/** Rate-limited link with a one-BDP drop-tail queue and no random loss. */
export function bdpLink(rateBps: number, rttMs: number): LinkOptions {
  return specLink({ rateBps, rttMs });
}

/** Counts the bytes an endpoint exchanges with each remote host, and drops incoming datagrams on request. */
export class CountingEndpoint implements DatagramEndpoint {
  readonly receivedFrom = new Map<string, number>();
  readonly sentTo = new Map<string, number>();
  /** Sends to a host beyond 3x what was received from it while `unvalidated(host)` held. */
  amplificationViolations = 0;
  constructor(
    readonly inner: DatagramEndpoint,
    private readonly drop: (remote: SocketAddress, bytes: Uint8Array) => boolean = () => false,
    private readonly unvalidated: (host: string) => boolean = () => false,
  ) {}

  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    if (this.drop(remote, bytes)) return;
    this.receivedFrom.set(remote.host, (this.receivedFrom.get(remote.host) ?? 0) + bytes.length);
    this.inner.handleDatagram(nowMs, local, remote, bytes);
  }
  handleTimeout(nowMs: number): void {
    this.inner.handleTimeout(nowMs);
  }
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    const t = this.inner.pollTransmit(nowMs, out);
    if (t !== undefined) {
      const host = t.remote.host;
      const sent = (this.sentTo.get(host) ?? 0) + t.length;
      this.sentTo.set(host, sent);
      if (this.unvalidated(host) && sent > 3 * (this.receivedFrom.get(host) ?? 0)) this.amplificationViolations++;
    }
    return t;
  }
  nextTimeout(): number | undefined {
    return this.inner.nextTimeout();
  }
}

export interface TwoPathOptions {
  seed?: number;
  /** Default: the null protection; `'real'`: the endpoint's default AEAD. */
  provider?: CryptoProvider | 'real' | undefined;
  linkA?: LinkOptions;
  linkB?: LinkOptions;
  maxPaths?: number;
  /** Further transport settings for both sides. */
  transport?: Partial<TransportConfig>;
  /** Drops datagrams arriving at the server (after they crossed the link). */
  serverDrop?: (remote: SocketAddress, bytes: Uint8Array) => boolean;
}

/** A client on CLIENT and CLIENT_B, a server, one link each; the second path opened right after the handshake. */
export function twoPaths(options: TwoPathOptions = {}) {
  const provider = options.provider === 'real' ? {} : { provider: options.provider ?? nullProvider };
  const transport = { ...options.transport, maxPaths: options.maxPaths ?? 4 };
  let counter: CountingEndpoint | undefined;
  const serverPath = (id: number) => pair.serverSink?.connection.pathById(id);
  const pair = enginePair({
    seed: options.seed ?? 1,
    link: options.linkA ?? bdpLink(20e6, 20),
    extraClientAddresses: [{ address: CLIENT_B, link: options.linkB ?? bdpLink(10e6, 80) }],
    client: { ...provider, transport },
    server: { ...provider, transport },
    wrapServer: (server) =>
      (counter = new CountingEndpoint(server, options.serverDrop, (host) => host === CLIENT_B.host && serverPath(1)?.validated !== true)),
  });
  pair.runUntil(() => pair.serverSink !== undefined && pair.clientSink.connected, 10_000);
  let pathId: number | undefined;
  pair.runUntil(() => (pathId = pair.connection.openPath(pair.sim.nowMs, CLIENT_B, SERVER)) !== undefined, 10_000);
  pair.clientNode.wake();
  return { pair, counter: counter as CountingEndpoint, pathId: pathId as number, serverPath };
}

export function streamBytes(c: Connection, id: number): number {
  const p = c.pathById(id);
  return p === undefined ? 0 : p.stats.streamBytesSent + p.stats.streamBytesRetransmitted;
}

