/**
 * A real delayed network path between two hosts, for benches that compare mpt with the kernel's TCP on
 * the same path: three network namespaces (a client host, a server host, and between them a delay line,
 * bench/netns-delay-line.py, that holds every frame `oneWayMs` each way). TCP crosses it as UDP does,
 * handshake included, so a direct TCP connection pays every round trip a real path would charge it.
 *
 * Needs root, iproute2, ethtool (checksum and segmentation offloads are turned off on the veths, so
 * each frame the delay line copies is a finished Ethernet frame) and python3. `netnsPathUnavailable()`
 * says why it cannot run here, or returns undefined.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deleteNamespaces, has, run as runArgv } from '../scripts/netns-shell.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The two hosts of a delayed path; run a command on one with `execIn`. */
export interface NetnsPath {
  /** The client host's namespace and address. */
  readonly client: { readonly namespace: string; readonly address: string };
  /** The server host's namespace and address. */
  readonly server: { readonly namespace: string; readonly address: string };
  /** `ip netns exec` argv prefix for a namespace. */
  execIn(namespace: string): string[];
  /** Stops the delay line and deletes the namespaces. */
  close(): void;
}

function run(...argv: string[]): void {
  runArgv(argv);
}

/** Why a delayed namespace path cannot be built on this machine, or undefined when it can. */
export function netnsPathUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const command of ['ip', 'ethtool', 'python3']) if (!has(command)) return `${command} not found (apt-get install ${command === 'ip' ? 'iproute2' : command})`;
  return undefined;
}

/** Builds the three namespaces and starts the delay line; `close()` tears all of it down. */
export async function createNetnsPath(options: { readonly oneWayMs: number; readonly prefix?: string }): Promise<NetnsPath> {
  const prefix = options.prefix ?? `mptb${process.pid % 100000}`;
  const [c, m, s] = [`${prefix}c`, `${prefix}m`, `${prefix}s`];
  const namespaces = [c, m, s];
  let line: ChildProcess | undefined;
  const close = (): void => {
    line?.kill();
    deleteNamespaces(namespaces);
  };
  try {
    for (const namespace of namespaces) run('ip', 'netns', 'add', namespace);
    run('ip', 'link', 'add', 'eth0', 'netns', c, 'type', 'veth', 'peer', 'name', 'toc', 'netns', m);
    run('ip', 'link', 'add', 'eth0', 'netns', s, 'type', 'veth', 'peer', 'name', 'tos', 'netns', m);
    run('ip', '-n', c, 'addr', 'add', '10.77.0.1/24', 'dev', 'eth0');
    run('ip', '-n', s, 'addr', 'add', '10.77.0.2/24', 'dev', 'eth0');
    run('ip', 'netns', 'exec', m, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
    for (const [namespace, device] of [
      [c, 'eth0'],
      [s, 'eth0'],
      [m, 'toc'],
      [m, 'tos'],
    ] as const) {
      run('ip', 'netns', 'exec', namespace, 'ethtool', '-K', device, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off');
      run('ip', '-n', namespace, 'link', 'set', device, 'up');
    }
    for (const namespace of [c, s]) run('ip', '-n', namespace, 'link', 'set', 'lo', 'up');
    line = spawn('ip', ['netns', 'exec', m, 'python3', join(here, 'netns-delay-line.py'), 'toc', 'tos', String(options.oneWayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [ready] = (await once(createInterface({ input: line.stdout! }), 'line')) as [string];
    if (ready !== 'ready') throw new Error(`netns-delay-line: ${ready}`);
  } catch (error) {
    close();
    throw error;
  }
  return {
    client: { namespace: c, address: '10.77.0.1' },
    server: { namespace: s, address: '10.77.0.2' },
    execIn: (namespace) => ['ip', 'netns', 'exec', namespace],
    close,
  };
}
