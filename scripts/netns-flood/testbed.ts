/**
 * The network of scripts/netns-flood.ts: four namespaces. A server host, a legitimate client host and an
 * attacker host each have one veth into a middle namespace, where a Linux bridge joins them on
 * 10.81.1.0/24 (the middle namespace is 10.81.1.1, the server's gateway). The spoofed range,
 * 10.82.0.0/16, routes from the server to that gateway, which blackholes it: what the server sends to a
 * spoofed address leaves the server host and reaches no one (the attacker included). In the server's
 * namespace an nftables table counts the IP bytes and packets sent to the spoofed range (output hook) and
 * received from it (input hook).
 *
 * Needs root, iproute2, nftables and python3 (the attacker's raw-socket spoofer); `testbedUnavailable()`
 * says why it cannot run here, or returns undefined.
 * @module
 */
import { deleteNamespaces, has, run } from '../netns-shell.js';

/** The bridge's subnet and the hosts' addresses on it. */
export const ADDRESSES = { gateway: '10.81.1.1', server: '10.81.1.2', client: '10.81.1.3', attacker: '10.81.1.4' } as const;
/** The spoofed source range: routed from the server towards a blackhole. */
export const SPOOFED_RANGE = '10.82.0.0/16';

/** Bytes and packets through one nftables counter. */
export interface WireCount {
  /** IP packets. */
  readonly packets: number;
  /** IP bytes (IP and UDP headers included). */
  readonly bytes: number;
}

/** The namespaces, and the server's counters for the spoofed range. */
export interface Testbed {
  /** Namespace names. */
  readonly server: string;
  readonly client: string;
  readonly attacker: string;
  readonly middle: string;
  /** `ip netns exec` argv prefix for a namespace. */
  execIn(namespace: string): string[];
  /** The server host's nftables counters: sent to the spoofed range, received from it. */
  spoofedCounters(): { readonly toSpoofed: WireCount; readonly fromSpoofed: WireCount };
  /** Deletes the namespaces (and with them the veths and the bridge); safe to call more than once. */
  close(): void;
}

/** Why the testbed cannot be built on this machine, or undefined when it can. */
export function testbedUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (network namespaces, raw sockets and nftables need root)';
  const packages: Record<string, string> = { ip: 'iproute2', nft: 'nftables', python3: 'python3' };
  for (const [command, pkg] of Object.entries(packages)) if (!has(command)) return `${command} not found (apt-get install -y ${pkg})`;
  return undefined;
}

const NFT_TABLE = `
table ip mptfl {
  counter to_spoofed {}
  counter from_spoofed {}
  chain out {
    type filter hook output priority 0; policy accept;
    ip daddr ${SPOOFED_RANGE} counter name "to_spoofed"
  }
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr ${SPOOFED_RANGE} counter name "from_spoofed"
  }
}
`;

/** Builds the four namespaces, the bridge and the counters; on any failure tears down what it built and throws. */
export function createTestbed(prefix: string): Testbed {
  const [server, client, attacker, middle] = [`${prefix}s`, `${prefix}c`, `${prefix}a`, `${prefix}m`];
  const namespaces = [server, client, attacker, middle];
  const created: string[] = [];
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    deleteNamespaces(created);
  };
  const inNs = (namespace: string, ...argv: string[]): string => run(['ip', 'netns', 'exec', namespace, ...argv]);
  try {
    for (const namespace of namespaces) {
      run(['ip', 'netns', 'add', namespace]);
      created.push(namespace);
      run(['ip', '-n', namespace, 'link', 'set', 'lo', 'up']);
    }
    run(['ip', '-n', middle, 'link', 'add', 'br0', 'type', 'bridge']);
    run(['ip', '-n', middle, 'addr', 'add', `${ADDRESSES.gateway}/24`, 'dev', 'br0']);
    run(['ip', '-n', middle, 'link', 'set', 'br0', 'up']);
    run(['ip', '-n', middle, 'route', 'add', 'blackhole', SPOOFED_RANGE]);
    for (const [namespace, address, port] of [
      [server, ADDRESSES.server, 'tos'],
      [client, ADDRESSES.client, 'toc'],
      [attacker, ADDRESSES.attacker, 'toa'],
    ] as const) {
      run(['ip', 'link', 'add', 'eth0', 'netns', namespace, 'type', 'veth', 'peer', 'name', port, 'netns', middle]);
      run(['ip', '-n', middle, 'link', 'set', port, 'master', 'br0']);
      run(['ip', '-n', middle, 'link', 'set', port, 'up']);
      run(['ip', '-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      run(['ip', '-n', namespace, 'link', 'set', 'eth0', 'up']);
    }
    // The server answers spoofed sources through the gateway (which drops it all), and takes them in
    // (no reverse-path filter: the route back exists, but be explicit).
    run(['ip', '-n', server, 'route', 'add', SPOOFED_RANGE, 'via', ADDRESSES.gateway]);
    for (const key of ['all', 'default', 'eth0']) inNs(server, 'sysctl', '-qw', `net.ipv4.conf.${key}.rp_filter=0`);
    run(['ip', 'netns', 'exec', server, 'nft', '-f', '-'], NFT_TABLE);
  } catch (error) {
    close();
    throw error;
  }
  const counter = (json: { nftables: Array<{ counter?: { name: string; packets: number; bytes: number } }> }, name: string): WireCount => {
    const found = json.nftables.find((entry) => entry.counter?.name === name)?.counter;
    if (found === undefined) throw new Error(`nftables counter ${name} not found`);
    return { packets: found.packets, bytes: found.bytes };
  };
  return {
    server,
    client,
    attacker,
    middle,
    execIn: (namespace) => ['ip', 'netns', 'exec', namespace],
    spoofedCounters: () => {
      const json = JSON.parse(inNs(server, 'nft', '-j', 'list', 'counters', 'table', 'ip', 'mptfl')) as Parameters<typeof counter>[0];
      return { toSpoofed: counter(json, 'to_spoofed'), fromSpoofed: counter(json, 'from_spoofed') };
    },
    close,
  };
}
