// A PathManagerContext that records what a plugin asks for, with paths that
// come up or fail when the test says so.
import { sameAddress, type SocketAddress } from '../../src/core/socket-address.js';
import type { LocalInterface, PathManagerContext, PathView } from '../../src/core/path-manager.js';

export const addr = (host: string, port = 4433): SocketAddress => ({ host, port });

type MutablePath = { -readonly [K in keyof PathView]: PathView[K] };

export class FakeContext implements PathManagerContext {
  readonly paths_: MutablePath[] = [];
  readonly closed: { id: number; reason: number }[] = [];
  readonly advertised: SocketAddress[] = [];
  readonly withdrawn: SocketAddress[] = [];
  readonly timers = new Map<string, number>();
  readonly logs: string[] = [];
  /** The last duplication asked for (undefined: off). */
  duplication: readonly number[] | undefined;
  /** Interface descriptions by host; an undescribed address reads as type 'other'. */
  readonly interfaces = new Map<string, Omit<LocalInterface, 'address'>>();

  constructor(
    readonly role: 'client' | 'server',
    public locals: SocketAddress[],
    public remotes: SocketAddress[],
    private readonly limit = 100,
  ) {
    // Path 0, as after the handshake.
    const local = locals[0];
    const remote = remotes[0];
    if (local !== undefined && remote !== undefined) this.paths_.push({ id: 0, local, remote, state: 'active', bytesSent: 0, bytesReceived: 0 });
  }

  localAddresses(): readonly SocketAddress[] {
    return this.locals;
  }
  localInterfaces(): readonly LocalInterface[] {
    return this.locals.map((address) => ({ name: '', type: 'other' as const, metered: false, ...this.interfaces.get(address.host), address }));
  }
  setDuplication(pathIds: readonly number[] | undefined): void {
    this.duplication = pathIds === undefined || pathIds.length === 0 ? undefined : [...pathIds];
  }
  remoteAddresses(): readonly SocketAddress[] {
    return this.remotes;
  }
  paths(): readonly PathView[] {
    return this.paths_.filter((p) => p.state !== 'closed');
  }
  /** Every openPath call that opened a path, with its options. */
  readonly opened: { local: SocketAddress; remote: SocketAddress; backup: boolean }[] = [];
  openPath(local: SocketAddress, remote: SocketAddress, options?: { readonly backup?: boolean }): number | undefined {
    if (this.paths().length >= this.limit) return undefined;
    this.opened.push({ local, remote, backup: options?.backup === true });
    const id = this.paths_.length;
    this.paths_.push({ id, local, remote, state: 'validating', bytesSent: 0, bytesReceived: 0 });
    return id;
  }
  closePath(pathId: number, reason: number): void {
    const path = this.paths_[pathId];
    if (path !== undefined) path.state = 'closed';
    this.closed.push({ id: pathId, reason });
  }
  setPathStatus(pathId: number, status: 'available' | 'backup'): void {
    const path = this.paths_[pathId];
    if (path !== undefined) path.state = status === 'backup' ? 'backup' : 'active';
  }
  advertiseAddress(address: SocketAddress): void {
    this.advertised.push(address);
  }
  withdrawAddress(address: SocketAddress): void {
    this.withdrawn.push(address);
  }
  setTimer(tag: string, delayMs: number): void {
    this.timers.set(tag, delayMs);
  }
  clearTimer(tag: string): void {
    this.timers.delete(tag);
  }
  log(message: string): void {
    this.logs.push(message);
  }

  /** Pairs of the paths that are not closed, as "local>remote" host strings. */
  pairs(): string[] {
    return this.paths().map((p) => `${p.local.host}>${p.remote.host}`).sort();
  }
  path(local: string, remote: string): MutablePath | undefined {
    return this.paths_.find((p) => p.state !== 'closed' && sameAddress(p.local, addr(local, p.local.port)) && p.remote.host === remote);
  }
}
