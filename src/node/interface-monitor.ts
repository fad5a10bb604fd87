import { EventEmitter } from 'node:events';
import type { NetworkInterfaceInfo } from 'node:os';
import type { InterfaceInfo, InterfaceType } from '../core/path-manager.js';
import { isFamily, isLinkLocalV6, readInterfaceTable, type InterfaceTable } from './interfaces.js';

/**
 * {@link InterfaceMonitor}: polls the OS interface table
 * (`os.networkInterfaces()`, or what `setInterfaceTableSource` gives),
 * describes each address's interface (name, type, metered) and reports the
 * addresses that appear, disappear or change interface. A client socket runs
 * one by default and binds or closes a UDP socket per address as they come
 * and go, telling its path manager (`Connection.setLocalAddresses`).
 *
 * Node has no portable way to ask what kind of link an interface is, nor
 * whether it is metered, so the type is guessed from the interface's name,
 * per platform ({@link classifyInterfaceName}); the application can
 * override any guess (`classifyInterface`, `metered`).
 * @module
 */

/** Default poll interval of {@link InterfaceMonitor}, ms. */
export const DEFAULT_INTERFACE_POLL_MS = 2_000;

/** One address of the interface table, described. */
export interface InterfaceAddress extends InterfaceInfo {
  /** The IP address. */
  readonly address: string;
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Whether the OS marks it internal (loopback): clients do not bind those by default. */
  readonly internal: boolean;
}

/** What one poll found changed. */
export interface InterfaceChange {
  /** Addresses that appeared. */
  readonly added: readonly InterfaceAddress[];
  /** Addresses that went away (as they were described before). */
  readonly removed: readonly InterfaceAddress[];
  /** Addresses still there whose description changed (another interface, type or metered). */
  readonly changed: readonly InterfaceAddress[];
}

/**
 * An application's say on an interface: any field returned replaces the guess; `undefined` keeps it.
 * Called for every interface at every poll, so it should be cheap.
 */
export type ClassifyInterface = (name: string, guess: InterfaceInfo, addresses: readonly NetworkInterfaceInfo[]) => Partial<InterfaceInfo> | undefined;

/** Options of {@link InterfaceMonitor}. */
export interface InterfaceMonitorOptions {
  /** How often the table is read, ms. Default 2000 ({@link DEFAULT_INTERFACE_POLL_MS}). */
  readonly intervalMs?: number | undefined;
  /** Overrides the name-based guess of an interface's type (and name or metered); see {@link ClassifyInterface}. */
  readonly classifyInterface?: ClassifyInterface | undefined;
  /**
   * Which interfaces are metered: names (a trailing `*` matches any suffix, as `wwan*`), or a function of
   * the description. Default: cellular interfaces are, others are not. Applied after `classifyInterface`.
   */
  readonly metered?: readonly string[] | ((info: InterfaceInfo) => boolean) | undefined;
  /** Whose naming rules classify names; default `process.platform`. */
  readonly platform?: NodeJS.Platform | undefined;
}

/** Events of {@link InterfaceMonitor}. */
export interface InterfaceMonitorEvents {
  /** A poll found addresses added, removed or changed. */
  change: [change: InterfaceChange];
}

const LINUX_RULES: readonly (readonly [RegExp, InterfaceType])[] = [
  [/^lo\d*$/, 'loopback'],
  [/^(wl|ath|ra\d)/, 'wifi'], // wlan0, wlp2s0, wlx..., Atheros and Ralink drivers' names
  [/^(wwan|rmnet|ccmni|pdp_ip|usb|rndis|qmi|cdc)/, 'cellular'], // modems; usb0 and rndis0 are phones tethered over USB
  [/^(tun|tap|wg|ppp|ipsec|utun|vti|xfrm|tailscale|zt|nordlynx|gpd)/, 'vpn'],
  [/^(eth|en|em|eno|ens|enp|enx|p\d+p\d+|bond|team)/, 'ethernet'],
];

const DARWIN_RULES: readonly (readonly [RegExp, InterfaceType])[] = [
  [/^lo\d*$/, 'loopback'],
  // On every Mac laptop en0 is the Wi-Fi (they have no built-in Ethernet); on desktops with a port en0 is
  // Ethernet and Wi-Fi is en1. Without a system call to ask, en0 reads as wifi; override where it matters.
  [/^en0$/, 'wifi'],
  [/^en\d+$/, 'ethernet'],
  [/^pdp_ip/, 'cellular'],
  [/^(utun|ipsec|ppp|tun|tap|wg)/, 'vpn'],
];

const WINDOWS_RULES: readonly (readonly [RegExp, InterfaceType])[] = [
  [/loopback/i, 'loopback'],
  [/^vethernet/i, 'other'], // Hyper-V and WSL virtual switches
  [/wi-?fi|wlan|wireless/i, 'wifi'],
  [/cellular|mobile broadband|wwan|mobile/i, 'cellular'],
  [/vpn|wireguard|openvpn|tap-|tun|nordlynx|tailscale|zerotier/i, 'vpn'],
  [/ethernet|local area connection/i, 'ethernet'],
];

/**
 * The type of an interface guessed from its name, by the naming conventions of `platform`:
 * - Linux (and Android, and other Unixes): `lo` loopback; `wl*` (wlan0, wlp2s0) wifi; `wwan*`, `rmnet*`,
 *   `ccmni*` (Android modems), `usb*` and `rndis*` (a phone tethered over USB) cellular; `tun*`, `tap*`,
 *   `wg*`, `ppp*`, `ipsec*`, `tailscale*` and the like vpn; `eth*`, `en*` (eno1, enp3s0) ethernet.
 * - macOS and iOS: `lo0` loopback; `en0` wifi (the Wi-Fi of every Mac laptop; a desktop's built-in
 *   Ethernet is en0 too, which this cannot tell: override it); other `en*` ethernet; `pdp_ip*` cellular;
 *   `utun*`, `ipsec*`, `ppp*` vpn.
 * - Windows (friendly names): "Loopback Pseudo-Interface" loopback; "vEthernet (...)" other (virtual
 *   switches); "Wi-Fi", "WLAN" wifi; "Cellular", "Mobile Broadband" cellular; names with "VPN",
 *   "WireGuard", "OpenVPN", "TAP-" vpn; "Ethernet", "Local Area Connection" ethernet.
 * Anything else (docker0, bridges, veth pairs, awdl0) is `other`.
 */
export function classifyInterfaceName(name: string, platform: NodeJS.Platform = process.platform): InterfaceType {
  const rules = platform === 'win32' ? WINDOWS_RULES : platform === 'darwin' ? DARWIN_RULES : LINUX_RULES;
  for (const [pattern, type] of rules) if (pattern.test(name)) return type;
  return 'other';
}

/** Whether `name` matches one of `patterns` (exact, or a prefix before a trailing `*`). */
function matchesName(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * Describes every usable address of `table`: one entry per address (the first interface listing it wins),
 * IPv6 link-local (needs a scope id mpt does not handle) and IPv4-mapped entries left out. An interface
 * the OS marks internal is loopback whatever its name.
 */
export function describeInterfaces(table: InterfaceTable, options: InterfaceMonitorOptions = {}): InterfaceAddress[] {
  const platform = options.platform ?? process.platform;
  const out: InterfaceAddress[] = [];
  const seen = new Set<string>();
  for (const name of Object.keys(table)) {
    const entries = table[name] ?? [];
    if (entries.length === 0) continue;
    const internal = entries.every((e) => e.internal);
    const type: InterfaceType = internal ? 'loopback' : classifyInterfaceName(name, platform);
    let info: InterfaceInfo = { name, type, metered: type === 'cellular' };
    const override = options.classifyInterface?.(name, info, entries);
    if (override !== undefined) info = { ...info, ...override };
    const metered = options.metered;
    if (metered !== undefined) info = { ...info, metered: typeof metered === 'function' ? metered(info) : matchesName(info.name, metered) };
    for (const e of entries) {
      const family = isFamily(e, 4) ? 4 : isFamily(e, 6) ? 6 : undefined;
      if (family === undefined || seen.has(e.address)) continue;
      if (family === 6 && (isLinkLocalV6(e.address) || e.address.toLowerCase().startsWith('::ffff:'))) continue;
      seen.add(e.address);
      out.push({ address: e.address, family, internal: e.internal, name: info.name, type: info.type, metered: info.metered });
    }
  }
  return out;
}

function sameDescription(a: InterfaceAddress, b: InterfaceAddress): boolean {
  return a.name === b.name && a.type === b.type && a.metered === b.metered && a.internal === b.internal;
}

/** What changed from `before` to `after` (each a list of described addresses). */
export function diffInterfaces(before: readonly InterfaceAddress[], after: readonly InterfaceAddress[]): InterfaceChange {
  const old = new Map(before.map((a) => [a.address, a]));
  const now = new Map(after.map((a) => [a.address, a]));
  const added: InterfaceAddress[] = [];
  const changed: InterfaceAddress[] = [];
  for (const a of after) {
    const was = old.get(a.address);
    if (was === undefined) added.push(a);
    else if (!sameDescription(was, a)) changed.push(a);
  }
  const removed = before.filter((a) => !now.has(a.address));
  return { added, removed, changed };
}

/**
 * Polls the interface table every `intervalMs` (an unref'd timer: it never keeps the process alive) and
 * emits 'change' when addresses appear, disappear or change interface. `start()` polls at once; `poll()`
 * reads the table now. A table that cannot be read (os.networkInterfaces can throw in some sandboxes)
 * counts in `errors` and changes nothing.
 */
export class InterfaceMonitor extends EventEmitter<InterfaceMonitorEvents> {
  /** The poll interval, ms. */
  readonly intervalMs: number;
  readonly #options: InterfaceMonitorOptions;
  #current: InterfaceAddress[] = [];
  #timer: NodeJS.Timeout | undefined = undefined;
  #polls = 0;
  #errors = 0;

  constructor(options: InterfaceMonitorOptions = {}) {
    super();
    const intervalMs = options.intervalMs ?? DEFAULT_INTERFACE_POLL_MS;
    if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) throw new RangeError(`intervalMs must be a positive number of ms, got ${String(intervalMs)}`);
    this.intervalMs = intervalMs;
    this.#options = options;
  }

  /** Polls done so far (each read of the table, successful or not). */
  get polls(): number {
    return this.#polls;
  }

  /** Polls whose table read threw. */
  get errors(): number {
    return this.#errors;
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Polls now, then every `intervalMs` until {@link stop}. Starting a running monitor does nothing. */
  start(): this {
    if (this.#timer !== undefined) return this;
    this.#timer = setInterval(() => this.poll(), this.intervalMs);
    this.#timer.unref();
    this.poll();
    return this;
  }

  /** Stops polling; the last table read stays available. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reads the table now; emits 'change' (and returns it) when something changed, else returns undefined. */
  poll(): InterfaceChange | undefined {
    this.#polls++;
    let next: InterfaceAddress[];
    try {
      next = describeInterfaces(readInterfaceTable(), this.#options);
    } catch {
      this.#errors++;
      return undefined;
    }
    const change = diffInterfaces(this.#current, next);
    this.#current = next;
    if (change.added.length + change.removed.length + change.changed.length === 0) return undefined;
    this.emit('change', change);
    return change;
  }

  /** Every address of the last table read, described, in table order (empty before the first poll). */
  addresses(): InterfaceAddress[] {
    return this.#current.slice();
  }

  /** The description of one address, from the last table read. */
  describe(address: string): InterfaceAddress | undefined {
    return this.#current.find((a) => a.address === address);
  }
}
