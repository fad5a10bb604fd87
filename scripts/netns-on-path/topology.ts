/**
 * The network of scripts/netns-on-path.ts: five namespaces on a routed network.
 *
 * ```
 * client ──── router ──── on-path ──── server
 * 10.83.1.2    │   10.83.2.1      10.83.2.2
 * 10.83.1.3    │   (forwarder, no address)
 *           off-path
 *   10.83.3.2 and the attacker addresses
 * ```
 *
 * The client host has two addresses on its link to the router (one per path); the router (kernel IP
 * forwarding) joins the client's subnet 10.83.1.0/24, the server's 10.83.2.0/24 and the off-path
 * attacker's 10.83.3.0/24. Between the router and the server, the on-path namespace holds both ends of
 * the link and forwards every frame itself (on-path.py, AF_PACKET): it sees the whole connection, and
 * can add to it. The off-path host sees nothing of it; its datagrams cross the router (and the on-path
 * forwarder) like anyone's. Checksum and segmentation offloads are off on every veth, so the frames the
 * forwarder copies are finished. The router does no reverse-path filtering (the on-path attacker
 * re-sources copies towards the client from the off-path subnet, whose route is elsewhere).
 *
 * In the server's and the client's namespaces an nftables table counts, per attacker address (anything
 * in 10.83.3.0/24), the IP bytes and packets sent to it (and, of those, ICMP: the kernel's port
 * unreachable for a datagram to a connected UDP socket from another source) and received from it.
 *
 * Needs root, iproute2, nftables, ethtool and python3; {@link onPathUnavailable} says why it cannot run
 * here, or returns undefined.
 * @module
 */
import { deleteNamespaces, has, run } from '../netns-shell.js';
import { testbedUnavailable, type WireCount } from '../netns-flood/testbed.js';

/** The hosts' addresses. */
export const ADDRESSES = {
  clientA: '10.83.1.2',
  clientB: '10.83.1.3',
  server: '10.83.2.2',
  offPath: '10.83.3.2',
} as const;
/** The attacker addresses: the off-path subnet (its host's own address excluded). */
export const ATTACKER_SUBNET = '10.83.3.0/24';
/** The on-path namespace's interfaces: towards the router (the client side) and towards the server. */
export const ON_PATH_IFACES = { clientSide: 'r', serverSide: 's' } as const;

/** Per attacker address, what a host sent it and received from it (IP bytes, from nftables). */
export type AttackerCounts = Record<string, { readonly to: WireCount; readonly from: WireCount; readonly icmpTo: WireCount }>;

/** The namespaces and the counters. */
export interface OnPathNetwork {
  readonly client: string;
  readonly router: string;
  readonly onPath: string;
  readonly server: string;
  readonly offPath: string;
  /** `ip netns exec` argv prefix for a namespace. */
  execIn(namespace: string): string[];
  /** Adds addresses to the off-path host (all in {@link ATTACKER_SUBNET}). */
  addAttackerAddresses(addresses: readonly string[]): void;
  /** The counters of the server's or the client's namespace. */
  counts(namespace: string): AttackerCounts;
  /** Deletes the namespaces (and the veths in them); safe to call more than once. */
  close(): void;
}

/** Why the network cannot be built on this machine, or undefined when it can. */
export function onPathUnavailable(): string | undefined {
  return testbedUnavailable() ?? (has('ethtool') ? undefined : 'ethtool not found (apt-get install -y ethtool)');
}

const NFT_TABLE = `
table ip mptop {
  set to_attacker { type ipv4_addr; size 4096; flags dynamic; counter; }
  set icmp_to_attacker { type ipv4_addr; size 4096; flags dynamic; counter; }
  set from_attacker { type ipv4_addr; size 4096; flags dynamic; counter; }
  chain out {
    type filter hook output priority 0; policy accept;
    ip daddr ${ATTACKER_SUBNET} update @to_attacker { ip daddr }
    ip daddr ${ATTACKER_SUBNET} meta l4proto icmp update @icmp_to_attacker { ip daddr }
  }
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr ${ATTACKER_SUBNET} update @from_attacker { ip saddr }
  }
}
`;

/** Builds the five namespaces, links, routes and counters; on any failure tears down what it built and throws. */
export function createOnPathNetwork(prefix: string): OnPathNetwork {
  const [client, router, onPath, server, offPath] = ['c', 'r', 'm', 's', 'a'].map((s) => `${prefix}${s}`) as [string, string, string, string, string];
  const created: string[] = [];
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    deleteNamespaces(created);
  };
  const inNs = (namespace: string, argv: readonly string[], input?: string): string => run(['ip', 'netns', 'exec', namespace, ...argv], input);
  const veth = (a: string, aName: string, b: string, bName: string): void => {
    run(['ip', 'link', 'add', aName, 'netns', a, 'type', 'veth', 'peer', 'name', bName, 'netns', b]);
    for (const [namespace, name] of [
      [a, aName],
      [b, bName],
    ] as const) {
      inNs(namespace, ['ethtool', '-K', name, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
      run(['ip', '-n', namespace, 'link', 'set', name, 'up']);
    }
  };
  try {
    for (const namespace of [client, router, onPath, server, offPath]) {
      run(['ip', 'netns', 'add', namespace]);
      created.push(namespace);
      run(['ip', '-n', namespace, 'link', 'set', 'lo', 'up']);
      inNs(namespace, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      inNs(namespace, ['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    veth(client, 'eth0', router, 'c0');
    veth(router, 's0', onPath, ON_PATH_IFACES.clientSide);
    veth(onPath, ON_PATH_IFACES.serverSide, server, 'eth0');
    veth(offPath, 'eth0', router, 'a0');
    run(['ip', '-n', client, 'addr', 'add', `${ADDRESSES.clientA}/24`, 'dev', 'eth0']);
    run(['ip', '-n', client, 'addr', 'add', `${ADDRESSES.clientB}/24`, 'dev', 'eth0']);
    run(['ip', '-n', client, 'route', 'add', 'default', 'via', '10.83.1.1']);
    run(['ip', '-n', router, 'addr', 'add', '10.83.1.1/24', 'dev', 'c0']);
    run(['ip', '-n', router, 'addr', 'add', '10.83.2.1/24', 'dev', 's0']);
    run(['ip', '-n', router, 'addr', 'add', '10.83.3.1/24', 'dev', 'a0']);
    inNs(router, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (const key of ['all', 'default', 'c0', 's0', 'a0']) inNs(router, ['sysctl', '-qw', `net.ipv4.conf.${key}.rp_filter=0`]);
    run(['ip', '-n', server, 'addr', 'add', `${ADDRESSES.server}/24`, 'dev', 'eth0']);
    run(['ip', '-n', server, 'route', 'add', 'default', 'via', '10.83.2.1']);
    run(['ip', '-n', offPath, 'addr', 'add', `${ADDRESSES.offPath}/24`, 'dev', 'eth0']);
    run(['ip', '-n', offPath, 'route', 'add', 'default', 'via', '10.83.3.1']);
    for (const namespace of [server, client]) inNs(namespace, ['nft', '-f', '-'], NFT_TABLE);
  } catch (error) {
    close();
    throw error;
  }
  type SetJson = { nftables: Array<{ set?: { elem?: Array<{ elem: { val: string; counter: { packets: number; bytes: number } } }> } }> };
  const elements = (namespace: string, set: string): Map<string, WireCount> => {
    const json = JSON.parse(inNs(namespace, ['nft', '-j', 'list', 'set', 'ip', 'mptop', set])) as SetJson;
    const found = new Map<string, WireCount>();
    for (const entry of json.nftables) for (const e of entry.set?.elem ?? []) found.set(e.elem.val, { packets: e.elem.counter.packets, bytes: e.elem.counter.bytes });
    return found;
  };
  return {
    client,
    router,
    onPath,
    server,
    offPath,
    execIn: (namespace) => ['ip', 'netns', 'exec', namespace],
    addAttackerAddresses: (addresses) => {
      run(['ip', '-n', offPath, '-batch', '-'], addresses.map((a) => `addr add ${a}/24 dev eth0\n`).join(''));
    },
    counts: (namespace) => {
      const to = elements(namespace, 'to_attacker');
      const from = elements(namespace, 'from_attacker');
      const icmp = elements(namespace, 'icmp_to_attacker');
      const zero: WireCount = { packets: 0, bytes: 0 };
      const result: AttackerCounts = {};
      for (const address of new Set([...to.keys(), ...from.keys()])) result[address] = { to: to.get(address) ?? zero, from: from.get(address) ?? zero, icmpTo: icmp.get(address) ?? zero };
      return result;
    },
    close,
  };
}
