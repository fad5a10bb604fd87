// A DatagramEndpoint wrapper that records what the endpoint sends to one host.
import type { DatagramEndpoint, Transmit } from '../../src/core/datagram-endpoint.js';
import type { SocketAddress } from '../../src/core/socket-address.js';

/** Records every datagram `inner` sends to `host`: virtual time and size. */
export class SendLog implements DatagramEndpoint {
  readonly sends: { atMs: number; bytes: number }[] = [];
  constructor(
    private readonly inner: DatagramEndpoint,
    private readonly host: string,
  ) {}
  /** Bytes sent to the host so far. */
  get bytes(): number {
    return this.sends.reduce((n, s) => n + s.bytes, 0);
  }
  handleDatagram(nowMs: number, local: SocketAddress, remote: SocketAddress, bytes: Uint8Array): void {
    this.inner.handleDatagram(nowMs, local, remote, bytes);
  }
  handleTimeout(nowMs: number): void {
    this.inner.handleTimeout(nowMs);
  }
  pollTransmit(nowMs: number, out: Uint8Array): Transmit | undefined {
    const t = this.inner.pollTransmit(nowMs, out);
    if (t !== undefined && t.remote.host === this.host) this.sends.push({ atMs: nowMs, bytes: t.length });
    return t;
  }
  nextTimeout(): number | undefined {
    return this.inner.nextTimeout();
  }
}
