import type { SocketAddress } from './socket-address.js';

/**
 * The path-manager plugin interface (docs/design.md §3.9): which paths a connection
 * has is policy, and policy belongs to the application. A plugin is a plain
 * object whose hooks are all optional; it acts only through the
 * {@link PathManagerContext} it is handed, so the built-in managers have no
 * powers a user's plugin lacks. The engine calls the hooks through a
 * {@link PathManagerHost}, which catches and reports anything a plugin throws.
 * @module
 */

/** What a path manager sees of a path. */
export interface PathView {
  /** Path id: unique within the connection, never reused. */
  readonly id: number;
  /** Our end. */
  readonly local: SocketAddress;
  /** The peer's end. */
  readonly remote: SocketAddress;
  /** `validating` until PATH_CHALLENGE is answered; `active` or `backup` once it carries data; then `failed` or `closed`. */
  readonly state: 'validating' | 'active' | 'backup' | 'failed' | 'closed';
  /** UDP payload bytes sent on the path since it opened (every packet: data, retransmissions, ACKs, probes). */
  readonly bytesSent: number;
  /** UDP payload bytes received on the path since it opened (packets that authenticated). */
  readonly bytesReceived: number;
}

/** What kind of link an interface is, as the host reports it (policy rules match on it). */
export type InterfaceType = 'loopback' | 'ethernet' | 'wifi' | 'cellular' | 'vpn' | 'other';

/** What the host knows of the interface behind a local address. */
export interface InterfaceInfo {
  /** The interface's name, e.g. `en0`, `wlan0`, `pdp_ip0`; '' when unknown. */
  readonly name: string;
  /** What kind of link it is; `other` when unknown. */
  readonly type: InterfaceType;
  /** Whether traffic on it costs money or quota (a cellular plan, a tethered phone). */
  readonly metered: boolean;
}

/** A usable local address and its interface. */
export interface LocalInterface extends InterfaceInfo {
  /** The local address (socket). */
  readonly address: SocketAddress;
}

/** Periodic measurements of one path. */
export interface PathStatsSample {
  /** Path id. */
  readonly id: number;
  /** Smoothed RTT, ms. */
  readonly srttMs: number;
  /** Share of packets lost over the last period, 0..1. */
  readonly lossRate: number;
  /** Stream bytes per second acknowledged over the last period. */
  readonly throughputBps: number;
  /** Congestion window, bytes. */
  readonly cwndBytes: number;
  /** Packets sent over the last period (how much {@link lossRate} rests on). */
  readonly packetsSent: number;
  /** Probe timeouts in a row without an answer, now (2 or more: the path is failed). */
  readonly ptoCount: number;
}

/** Why a path manager closes a path: a reason code of docs/protocol.md §9 (e.g. ReasonCode.AdministrativelyProhibited). */
export type PathCloseReason = number;

/** Everything a path manager may do and see. */
export interface PathManagerContext {
  /** Which end of the connection this is. */
  readonly role: 'client' | 'server';
  /** Our usable local addresses (sockets), in the order the host prefers them. */
  localAddresses(): readonly SocketAddress[];
  /**
   * The same addresses with their interfaces, as the host described them
   * (`Connection.setLocalAddresses`); an address it did not describe reads as
   * `{ name: '', type: 'other', metered: false }`.
   */
  localInterfaces(): readonly LocalInterface[];
  /** The peer's addresses we know: the one we connected to or heard from, plus those it advertised. */
  remoteAddresses(): readonly SocketAddress[];
  /** Every path that is not closed. */
  paths(): readonly PathView[];
  /** Opens a path; returns its id, or undefined if the connection refuses (limits, unknown local address). */
  openPath(local: SocketAddress, remote: SocketAddress, options?: { readonly backup?: boolean }): number | undefined;
  /** Closes a path, telling the peer why (PATH_ABANDON). */
  closePath(pathId: number, reason: PathCloseReason): void;
  /** Marks a path backup (used only when no active path can send) or available (PATH_STATUS). */
  setPathStatus(pathId: number, status: 'available' | 'backup'): void;
  /**
   * Duplicates stream data onto these paths, as the redundant scheduler does
   * on every path: each listed path that may carry data (validated, and not a
   * backup while an available path answers) sends its own copy of every
   * stream byte not yet acknowledged, whichever path sent it first. Unlisted
   * paths send no copies. `undefined` or an empty list turns it off. Closed
   * paths drop out of the list by themselves.
   */
  setDuplication(pathIds: readonly number[] | undefined): void;
  /** Tells the peer about one of our addresses (ADD_ADDRESS). */
  advertiseAddress(address: SocketAddress): void;
  /** Withdraws an advertised address (REMOVE_ADDRESS). */
  withdrawAddress(address: SocketAddress): void;
  /** Calls `onTimer(tag)` after `delayMs`; setting a tag again re-arms it. */
  setTimer(tag: string, delayMs: number): void;
  /** Cancels a timer. */
  clearTimer(tag: string): void;
  /** A line for the application's log. */
  log(message: string): void;
}

/** A path-manager plugin. Every hook is optional. */
export interface PathManager {
  /** A name for logs and errors. */
  readonly name: string;
  /** The handshake completed and the connection can open paths (a client: the server confirmed the handshake and sent its connection IDs): path 0 is up. */
  onEstablished?(ctx: PathManagerContext): void;
  /** The connection closed; no more hooks follow. */
  onClosed?(ctx: PathManagerContext): void;
  /** A local address appeared (interface monitor). */
  onLocalAddressAdded?(ctx: PathManagerContext, address: SocketAddress): void;
  /** A local address went away; its paths are already failing. */
  onLocalAddressRemoved?(ctx: PathManagerContext, address: SocketAddress): void;
  /**
   * The peer advertised an address, or the owner added one it knows of (`extraRemotes`). Only after
   * onEstablished: addresses known before it are in `ctx.remoteAddresses()` when it runs.
   */
  onRemoteAddressAdded?(ctx: PathManagerContext, address: SocketAddress): void;
  /** The peer withdrew an address. */
  onRemoteAddressRemoved?(ctx: PathManagerContext, address: SocketAddress): void;
  /** A path was validated and can carry data. */
  onPathUp?(ctx: PathManagerContext, path: PathView): void;
  /** A path stopped working (consecutive timeouts, validation failed). */
  onPathFailed?(ctx: PathManagerContext, path: PathView, reason: PathCloseReason): void;
  /** A path closed, by either end. */
  onPathClosed?(ctx: PathManagerContext, path: PathView, reason: PathCloseReason): void;
  /** A path became backup or available (either end asked). */
  onPathStatusChanged?(ctx: PathManagerContext, path: PathView): void;
  /** Periodic measurements of every open path. */
  onPathStats?(ctx: PathManagerContext, stats: readonly PathStatsSample[]): void;
  /** A timer set with `ctx.setTimer` expired. */
  onTimer?(ctx: PathManagerContext, tag: string): void;
}

/** A path manager, or a function that makes one per connection. */
export type PathManagerFactory = PathManager | (() => PathManager);
