import { addressKey, sameAddress, type SocketAddress } from '../core/socket-address.js';
import { ReasonCode } from '../core/wire/reason-codes.js';
import { checkPolicyConfig } from './check-config.js';
import type { InterfaceType, LocalInterface, PathManager, PathManagerContext, PathView } from '../core/path-manager.js';

/**
 * The policy path manager (a connection manager): ordered, JSON-serialisable
 * rules on each local interface (type, name, address family, metered, the
 * RTT and loss measured on its paths) decide which interfaces carry paths
 * and which of those are backup. The presets `handover`, `interactive` and
 * `aggregate` follow Apple's multipath service types. Optionally, stream
 * data is duplicated onto further paths while the paths' loss rates
 * multiplied together exceed a tolerance (as multipath mosh does for
 * interactive traffic). Written against the public plugin interface only.
 * @module
 */

/** What a rule does with the interfaces it matches. */
export type PolicyRole = 'primary' | 'backup' | 'never';

/**
 * One rule: the conditions given must all hold (none given: it matches every
 * interface), and the first rule that matches an interface decides its role.
 * Measured conditions hold once the interface's best path is measured over
 * the threshold, and keep holding until it falls below 80% of it.
 */
export interface PolicyRule {
  /** The interface is of this type, or one of these. */
  readonly interfaceType?: InterfaceType | readonly InterfaceType[];
  /** The interface has this name, or one of these; a trailing `*` matches any suffix (`en*`). */
  readonly interfaceName?: string | readonly string[];
  /** The local address is of this family. */
  readonly family?: 'ipv4' | 'ipv6';
  /** The interface is metered (true) or not (false). */
  readonly metered?: boolean;
  /** The smoothed RTT of the interface's best path is above this, ms. */
  readonly rttAboveMs?: number;
  /** The loss rate of the interface's best path (smoothed over stats periods) is above this, 0..1. */
  readonly lossAbove?: number;
  /**
   * `primary`: its paths carry the traffic. `backup`: paths are opened and marked backup; while no
   * primary path works, the backup interface with the lowest RTT is made available. `never`: no
   * paths (those open are closed).
   */
  readonly use: PolicyRole;
}

/** Loss-driven duplication: see {@link PolicyConfig.duplication}. */
export interface DuplicationConfig {
  /**
   * The chance, 0..1, that a packet may need a retransmission: while the loss rates of the paths
   * carrying the data, multiplied together, exceed it, the next-best path (by RTT) is added.
   */
  readonly lossTolerance: number;
  /** Most paths that carry copies. Default 3. */
  readonly maxPaths?: number;
}

/** A policy: plain data, so it can be loaded from JSON. */
export interface PolicyConfig {
  /**
   * A preset ({@link POLICY_PRESETS}) to start from: its settings apply where this config gives none
   * (e.g. `{ preset: 'interactive', maxPaths: 4 }`).
   */
  readonly preset?: PolicyPresetName;
  /** A name for logs. Default `policy`, or the preset's name. */
  readonly name?: string;
  /** The rules, first match wins; an interface no rule matches gets no paths. Required unless `preset` gives them. */
  readonly rules?: readonly PolicyRule[];
  /** Most open paths, path 0 included. Default 8. */
  readonly maxPaths?: number;
  /** Loss-driven duplication; default off. */
  readonly duplication?: DuplicationConfig;
}

/** The built-in presets, by name. */
export type PolicyPresetName = 'handover' | 'interactive' | 'aggregate';

const WIRED_OR_WIFI: readonly InterfaceType[] = ['ethernet', 'wifi'];

/**
 * Apple's multipath service types as policies:
 * - `handover`: wired or wifi interfaces carry the traffic; the others (cellular) keep a hot backup
 *   path that carries data only while no primary path works, and the traffic goes back when one does.
 * - `interactive`: as handover, and a wired or wifi interface whose RTT rises above 150 ms is demoted,
 *   so the lowest-latency backup (cellular) takes the traffic; on lossy paths data is duplicated onto
 *   the next-best path while the product of the loss rates exceeds 1%.
 * - `aggregate`: every interface carries traffic at once, for the most throughput.
 */
export const POLICY_PRESETS: Readonly<Record<PolicyPresetName, PolicyConfig>> = Object.freeze({
  handover: {
    name: 'handover',
    rules: [
      { interfaceType: 'loopback', use: 'never' },
      { interfaceType: WIRED_OR_WIFI, use: 'primary' },
      { use: 'backup' },
    ],
  },
  interactive: {
    name: 'interactive',
    rules: [
      { interfaceType: 'loopback', use: 'never' },
      { interfaceType: WIRED_OR_WIFI, rttAboveMs: 150, use: 'backup' },
      { interfaceType: WIRED_OR_WIFI, use: 'primary' },
      { use: 'backup' },
    ],
    duplication: { lossTolerance: 0.01 },
  },
  aggregate: {
    name: 'aggregate',
    rules: [
      { interfaceType: 'loopback', use: 'never' },
      { use: 'primary' },
    ],
  },
});

/** Most stats periods' weight in the smoothed loss rate (an EWMA of 1/4 per period). */
const LOSS_GAIN = 0.25;
/** Fewest packets in a stats period for its loss rate to count. */
const MIN_LOSS_PACKETS = 10;
/** A measured condition stops holding below this share of its threshold. */
const HYSTERESIS = 0.8;
const RETRY_TAG = 'policy:retry';
const RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;

/** Per path: what was measured, and the status last set. */
interface PathRecord {
  srttMs: number | undefined;
  lossRate: number | undefined;
  status: 'available' | 'backup' | undefined;
}

/**
 * Makes a policy path manager from a preset name or a {@link PolicyConfig} (one instance per
 * connection). Throws an MptError ERR_MPT_INVALID_CONFIG at once for an unknown preset (listing the
 * presets), a bad rule or setting, an unknown key, or a config with neither `rules` nor `preset`.
 */
export function policy(config: PolicyConfig | PolicyPresetName): () => PathManager {
  checkPolicyConfig(config, Object.keys(POLICY_PRESETS));
  const given = typeof config === 'string' ? { preset: config } : config;
  const base = given.preset === undefined ? undefined : POLICY_PRESETS[given.preset];
  const cfg = { ...base, ...definedOnly(given) } as PolicyConfig & { readonly rules: readonly PolicyRule[] };
  const name = cfg.name ?? 'policy';
  const maxPaths = cfg.maxPaths ?? 8;
  const dup = cfg.duplication;
  return () => {
    const records = new Map<number, PathRecord>();
    /** Per interface (address key) and rule index, measured conditions that currently hold. */
    const tripped = new Set<string>();
    /** Paths the data is duplicated onto; empty: off. */
    let duplicated: number[] = [];
    const failures = new Map<string, number>();
    const held = new Set<string>();

    const record = (id: number): PathRecord => {
      let r = records.get(id);
      if (r === undefined) records.set(id, (r = { srttMs: undefined, lossRate: undefined, status: undefined }));
      return r;
    };
    const up = (p: PathView): boolean => p.state === 'active' || p.state === 'backup';
    const pairKey = (local: SocketAddress, remote: SocketAddress): string => `${addressKey(local)}>${addressKey(remote)}`;

    /** The interface's best path measurements: lowest RTT and loss among its open paths. */
    const measured = (ctx: PathManagerContext, address: SocketAddress): { srttMs?: number; lossRate?: number } => {
      let srttMs: number | undefined;
      let lossRate: number | undefined;
      for (const p of ctx.paths()) {
        if (!sameAddress(p.local, address)) continue;
        const r = records.get(p.id);
        if (r?.srttMs !== undefined && (srttMs === undefined || r.srttMs < srttMs)) srttMs = r.srttMs;
        if (r?.lossRate !== undefined && (lossRate === undefined || r.lossRate < lossRate)) lossRate = r.lossRate;
      }
      return { ...(srttMs === undefined ? {} : { srttMs }), ...(lossRate === undefined ? {} : { lossRate }) };
    };

    const above = (key: string, value: number | undefined, threshold: number): boolean => {
      const was = tripped.has(key);
      const now = value !== undefined && value > (was ? threshold * HYSTERESIS : threshold);
      if (now) tripped.add(key);
      else tripped.delete(key);
      return now;
    };

    const matches = (ctx: PathManagerContext, iface: LocalInterface, rule: PolicyRule, index: number): boolean => {
      if (rule.interfaceType !== undefined && !oneOf(rule.interfaceType, iface.type)) return false;
      if (rule.interfaceName !== undefined && !nameMatches(rule.interfaceName, iface.name)) return false;
      if (rule.family !== undefined && rule.family !== (iface.address.host.includes(':') ? 'ipv6' : 'ipv4')) return false;
      if (rule.metered !== undefined && rule.metered !== iface.metered) return false;
      if (rule.rttAboveMs === undefined && rule.lossAbove === undefined) return true;
      const m = measured(ctx, iface.address);
      const key = `${addressKey(iface.address)}#${index}`;
      if (rule.rttAboveMs !== undefined && !above(`${key}:rtt`, m.srttMs, rule.rttAboveMs)) return false;
      if (rule.lossAbove !== undefined && !above(`${key}:loss`, m.lossRate, rule.lossAbove)) return false;
      return true;
    };

    const roleOf = (ctx: PathManagerContext, iface: LocalInterface): PolicyRole => {
      // Every rule is evaluated, so each measured condition keeps its hysteresis state current.
      let role: PolicyRole | undefined;
      cfg.rules.forEach((rule, i) => {
        if (matches(ctx, iface, rule, i) && role === undefined) role = rule.use;
      });
      return role ?? 'never';
    };

    const setStatus = (ctx: PathManagerContext, id: number, status: 'available' | 'backup'): void => {
      const r = record(id);
      if (r.status === status) return;
      r.status = status;
      ctx.setPathStatus(id, status);
    };

    /** Brings the paths in line with the rules: closes, opens, and sets each path's status. */
    const reconcile = (ctx: PathManagerContext): void => {
      if (ctx.role !== 'client') return;
      const roles = new Map<string, PolicyRole>();
      for (const iface of ctx.localInterfaces()) roles.set(addressKey(iface.address), roleOf(ctx, iface));
      const roleFor = (p: PathView): PolicyRole => roles.get(addressKey(p.local)) ?? 'never';

      for (const p of ctx.paths()) {
        if (roles.has(addressKey(p.local)) && roleFor(p) !== 'never') continue;
        // A loopback path to a loopback peer is the only way there: no rule closes it.
        if (isLoopbackHost(p.local.host) && isLoopbackHost(p.remote.host)) continue;
        ctx.closePath(p.id, roles.has(addressKey(p.local)) ? ReasonCode.AdministrativelyProhibited : ReasonCode.AddressRemoved);
      }
      let paths = ctx.paths();
      let open = paths.length;
      for (const iface of ctx.localInterfaces()) {
        const role = roles.get(addressKey(iface.address));
        if (role === 'never') continue;
        for (const remote of ctx.remoteAddresses()) {
          if (open >= maxPaths) break;
          if (paths.some((p) => sameAddress(p.local, iface.address) && sameAddress(p.remote, remote))) continue;
          if (held.has(pairKey(iface.address, remote))) continue;
          const id = ctx.openPath(iface.address, remote, { backup: role === 'backup' });
          if (id === undefined) continue;
          open++;
          record(id).status = role === 'backup' ? 'backup' : 'available';
        }
      }
      paths = ctx.paths();

      duplicated = duplicated.filter((id) => paths.some((p) => p.id === id && up(p)));
      const primaryUp = paths.some((p) => up(p) && roleFor(p) === 'primary');
      // No primary path works: the backup interface with the lowest RTT takes over.
      let promoted: SocketAddress | undefined;
      if (!primaryUp) {
        let best = Infinity;
        for (const p of paths) {
          if (!up(p) || roleFor(p) !== 'backup') continue;
          const rtt = records.get(p.id)?.srttMs ?? Number.MAX_SAFE_INTEGER;
          if (promoted === undefined || rtt < best) {
            best = rtt;
            promoted = p.local;
          }
        }
      }
      for (const p of paths) {
        const carries = roleFor(p) === 'primary' || (promoted !== undefined && sameAddress(p.local, promoted)) || duplicated.includes(p.id);
        setStatus(ctx, p.id, carries ? 'available' : 'backup');
      }
      ctx.setDuplication(duplicated.length > 1 ? duplicated : undefined);
    };

    /**
     * Multipath-mosh duplication: starting from the path with the lowest RTT, add the next-best path
     * while the loss rates of the paths so far, multiplied, exceed the tolerance. A path stays in the
     * set until the product without it is below half the tolerance, so the set does not flap.
     */
    const chooseDuplication = (ctx: PathManagerContext): void => {
      if (dup === undefined) return;
      const candidates = ctx
        .paths()
        .filter((p) => up(p) && records.get(p.id)?.srttMs !== undefined)
        .sort((a, b) => (records.get(a.id)?.srttMs as number) - (records.get(b.id)?.srttMs as number));
      const limit = Math.max(1, dup.maxPaths ?? 3);
      const chosen: number[] = [];
      let product = 1;
      for (const p of candidates) {
        if (chosen.length >= limit) break;
        const needed = chosen.length === 0 || product > dup.lossTolerance || (duplicated.includes(p.id) && product > dup.lossTolerance / 2);
        if (!needed) break;
        chosen.push(p.id);
        product *= records.get(p.id)?.lossRate ?? 0;
      }
      const next = chosen.length > 1 ? chosen : [];
      if (next.join() !== duplicated.join()) {
        ctx.log(next.length > 1 ? `duplicating onto paths ${next.join(', ')}` : 'duplication off');
        duplicated = next;
      }
    };

    return {
      name,
      onEstablished: reconcile,
      onLocalAddressAdded: reconcile,
      onLocalAddressRemoved: reconcile,
      onRemoteAddressAdded: reconcile,
      onRemoteAddressRemoved(ctx, address) {
        for (const p of ctx.paths()) if (sameAddress(p.remote, address)) ctx.closePath(p.id, ReasonCode.AddressRemoved);
        reconcile(ctx);
      },
      onPathUp(ctx, path) {
        failures.delete(pairKey(path.local, path.remote));
        reconcile(ctx);
      },
      onPathFailed: reconcile,
      onPathClosed(ctx, path, reason) {
        records.delete(path.id);
        if (reason !== ReasonCode.NoError && reason !== ReasonCode.AddressRemoved && reason !== ReasonCode.AdministrativelyProhibited) {
          const key = pairKey(path.local, path.remote);
          const n = (failures.get(key) ?? 0) + 1;
          failures.set(key, n);
          held.add(key);
          ctx.setTimer(`${RETRY_TAG}:${key}`, Math.min(RETRY_DELAY_MS * 2 ** (n - 1), MAX_RETRY_DELAY_MS));
        }
        reconcile(ctx);
      },
      onPathStats(ctx, stats) {
        if (ctx.role !== 'client') return;
        for (const s of stats) {
          const r = record(s.id);
          r.srttMs = s.srttMs;
          if (s.packetsSent >= MIN_LOSS_PACKETS) r.lossRate = r.lossRate === undefined ? s.lossRate : r.lossRate + LOSS_GAIN * (s.lossRate - r.lossRate);
        }
        chooseDuplication(ctx);
        reconcile(ctx);
      },
      onTimer(ctx, tag) {
        if (!tag.startsWith(RETRY_TAG)) return;
        held.delete(tag.slice(RETRY_TAG.length + 1));
        reconcile(ctx);
      },
    };
  };
}

function oneOf<T>(allowed: T | readonly T[], value: T): boolean {
  return Array.isArray(allowed) ? (allowed as readonly T[]).includes(value) : allowed === value;
}

function nameMatches(pattern: string | readonly string[], name: string): boolean {
  const patterns: readonly string[] = typeof pattern === 'string' ? [pattern] : pattern;
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

/** Whether an IP literal is a loopback address (127/8, ::1, or IPv4-mapped 127/8). */
function isLoopbackHost(host: string): boolean {
  return host.startsWith('127.') || host === '::1' || host.startsWith('::ffff:127.');
}

/** The entries of `config` whose value is not undefined (so they do not hide a preset's). */
function definedOnly(config: PolicyConfig): Partial<PolicyConfig> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as Partial<PolicyConfig>;
}
