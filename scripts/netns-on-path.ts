/**
 * `npm run attack:netns`: off-path and on-path attacks on a live two-path connection, with the attackers
 * on hosts of their own in a routed network of namespaces (scripts/netns-on-path/topology.ts): the client
 * (two addresses, the `backup` path manager: path 0 active, path 1 backup) reaches the server through a
 * router and an on-path host that forwards every frame and adds its own (on-path.py); an off-path host on
 * another subnet of the router sees nothing and sends from many addresses (off-path.py). Both ends
 * stream ROUNDS chunks of CHUNK random bytes; in each round:
 *
 * - the NAT-rebinding spoof: the on-path host sends the next datagram of path 0 to the server first as a
 *   copy from an attacker address and holds the genuine one (and those after it) RACE_HOLD_MS; and so
 *   the next datagram of each path to the client (path 0's socket is a connected one, whose kernel
 *   answers any other source with ICMP port unreachable; path 1's is not, so mpt sees that copy);
 * - on every flow (both paths, both directions): the newest datagrams replayed, bit-flipped copies, and
 *   injected datagrams with a real short header and a random body (forged PATH_STATUS, PATH_ABANDON,
 *   CLOSE, ADD_ADDRESS, PATH_CHALLENGE as far as they can be forged without the keys);
 * - off-path: fresh attacker addresses each send an old datagram (1-RTT, or the client's Initial or
 *   Handshake) to the server, or an old server datagram to the client's ports; others flood the server
 *   and the client with forged datagrams (an old real header, a random body: a PATH_CHALLENGE flood).
 *
 * Checked, on counts and states only: both streams intact (SHA-256); no error at either end; the path
 * statuses at both ends stay `active,backup` at every round and no `status` or `closed` path event;
 * no path ever at an attacker address, and the same remotes at the end; per attacker address, the UDP
 * payload the server and the client sent it at most 3x what it sent them, and their kernels' ICMP no
 * more than it sent (nftables in their namespaces); the off-path senders of old 1-RTT datagrams and the flooders get nothing from the server;
 * the server and the client dropped packets (the forgeries). Prints a table, writes
 * bench/results/netns-on-path.json, exits 1 if a check fails, and 0 with a message (measuring nothing)
 * when not root or a tool is missing. Tears its namespaces down, also on SIGINT/SIGTERM.
 *
 * Environment: MPT_ATTACK_ROUNDS (default 8), MPT_ATTACK_CHUNK (bytes per round each way, default 262144).
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/index.js';
import { LineChild } from './netns-flood/line-child.js';
import type { HostDone, HostState } from './netns-on-path/stream-host.js';
import { ADDRESSES, ON_PATH_IFACES, createOnPathNetwork, onPathUnavailable, type AttackerCounts, type OnPathNetwork } from './netns-on-path/topology.js';
import { teardownOnSignals } from './netns-shell.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const here = join(root, 'scripts', 'netns-on-path');
const ROUNDS = Number(process.env.MPT_ATTACK_ROUNDS ?? 8);
const CHUNK = Number(process.env.MPT_ATTACK_CHUNK ?? 256 * 1024);
const PORT = 4433;
/** Per flow and round: datagrams replayed, bit-flipped copies, injected forgeries. */
const REPLAY = 50;
const FLIP = 50;
const INJECT = 50;
/** Old datagrams per round, each sent once from a fresh off-path address. */
const OLD_PER_ROUND = 12;
/** Flooding addresses per round (towards the server and towards the client) and forgeries each sends. */
const FLOODERS_PER_ROUND = 2;
const FLOOD_EACH = 25;
/** How long the on-path host holds a flow behind a raced copy, ms. */
const RACE_HOLD_MS = 10;
/** Most a host may send an attacker address per byte received from it (RFC 9000 §8.1). */
const AMPLIFICATION_BOUND = 3;
const SEED = 16;
/** Most the paths may take to come back from spoofed moves after the last round, ms. */
const SETTLE_MS = 8_000;

/** What each attacker address was used for. */
type Role = 'race to server' | 'race to client, path 0' | 'race to client, path 1' | 'old 1-RTT to server' | 'old long header to server' | 'old datagram to client' | 'flood to server' | 'flood to client';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const unavailable = onPathUnavailable();
  if (unavailable !== undefined) {
    console.log(`attack:netns skipped: ${unavailable}`);
    return 0;
  }
  const keys = generateKeyPair();
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  const children: LineChild[] = [];
  let net: OnPathNetwork | undefined;
  const teardown = (): void => {
    for (const child of children) child.kill('SIGKILL');
    net?.close();
  };
  teardownOnSignals('attack:netns', teardown);

  try {
    net = createOnPathNetwork(`mptop${process.pid % 100_000}`);
    const n = net;
    const started = performance.now();
    const child = (name: string, namespace: string, argv: readonly string[]): LineChild => {
      const c = new LineChild(name, [...n.execIn(namespace), ...argv]);
      children.push(c);
      return c;
    };
    const ask = async <T>(c: LineChild, line: string, timeoutMs = 10_000): Promise<T> => {
      c.send(line);
      return JSON.parse(await c.nextLine(timeoutMs)) as T;
    };
    const node = (script: string): string[] => [process.execPath, '--import', 'tsx', join(here, script)];

    const onPath = child('on-path', n.onPath, ['python3', join(here, 'on-path.py'), ON_PATH_IFACES.clientSide, ON_PATH_IFACES.serverSide, ADDRESSES.server, String(PORT), `${ADDRESSES.clientA},${ADDRESSES.clientB}`, String(SEED)]);
    if ((await onPath.nextLine(10_000)) !== 'ready') throw new Error('on-path forwarder not ready');
    const offPath = child('off-path', n.offPath, ['python3', join(here, 'off-path.py'), String(SEED)]);
    if ((await offPath.nextLine(10_000)) !== 'ready') throw new Error('off-path host not ready');
    const server = child('server', n.server, [...node('server-host.ts'), ADDRESSES.server, String(PORT), hex(keys.privateKey), hex(keys.publicKey)]);
    if (!(JSON.parse(await server.nextLine(30_000)) as { ready?: boolean }).ready) throw new Error('server not ready');
    const client = child('client', n.client, [...node('client-host.ts'), ADDRESSES.server, String(PORT), hex(keys.publicKey), ADDRESSES.clientA, ADDRESSES.clientB]);
    if (!(JSON.parse(await client.nextLine(30_000)) as { connected?: boolean }).connected) throw new Error('client did not connect');
    if (!(JSON.parse(await server.nextLine(10_000)) as { accepted?: boolean }).accepted) throw new Error('server accepted nothing');

    // The client's path manager opens path 1 from its second address and marks it backup; the server follows.
    let serverState = await ask<HostState>(server, 'state');
    let clientState = await ask<HostState>(client, 'state');
    for (let tries = 0; serverState.statuses.join() !== 'active,backup' || clientState.statuses.join() !== 'active,backup'; tries++) {
      if (tries > 200) throw new Error(`paths never became active,backup: server ${serverState.statuses.join()}, client ${clientState.statuses.join()}`);
      await sleep(50);
      serverState = await ask<HostState>(server, 'state');
      clientState = await ask<HostState>(client, 'state');
    }
    const genuine = { server: serverState.remotes, client: clientState.remotes };
    await ask(server, 'watch');
    await ask(client, 'watch');
    const droppedBefore = { server: serverState.packetsDropped, client: clientState.packetsDropped };
    console.log(`attack:netns: namespaces ${n.client} ${n.router} ${n.onPath} ${n.server} ${n.offPath}; server sees paths at ${genuine.server.join(', ')}; ${ROUNDS} rounds of ${CHUNK} B each way`);

    const roles = new Map<string, Role>();
    let nextHost = 10;
    const fresh = (role: Role): string => {
      const address = `10.83.3.${nextHost++}`;
      roles.set(address, role);
      return address;
    };
    const perRound = 3 + OLD_PER_ROUND + 2 * FLOODERS_PER_ROUND;
    if (10 + ROUNDS * perRound > 254) throw new Error(`MPT_ATTACK_ROUNDS ${ROUNDS} needs more attacker addresses than 10.83.3.0/24 has`);
    const attackerAddresses = Array.from({ length: ROUNDS * perRound }, (_, i) => `10.83.3.${10 + i}`);
    n.addAttackerAddresses(attackerAddresses);

    const sent = { raced: 0, replayed: 0, modified: 0, injected: 0, oldDatagrams: 0, floodDatagrams: 0 };
    const samples: Array<{ round: number; server: HostState; client: HostState }> = [];
    const raceTimeouts: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The NAT-rebinding spoof both ways, armed before the chunks go: their first datagrams on path 0 race.
      for (const [address, src, dst] of [
        [fresh('race to server'), ADDRESSES.clientA, ADDRESSES.server],
        [fresh('race to client, path 0'), ADDRESSES.server, ADDRESSES.clientA],
        [fresh('race to client, path 1'), ADDRESSES.server, ADDRESSES.clientB],
      ] as const) {
        const { port } = await ask<{ port: number }>(offPath, `bind ${address}`);
        await ask(onPath, `race ${src} ${dst} ${address} ${port} ${RACE_HOLD_MS}`);
        sent.raced++;
      }
      await ask(client, `write ${CHUNK}`);
      await ask(server, `write ${CHUNK}`);
      const raceDeadline = performance.now() + 5_000;
      // The race to the server fires with the chunk; those to the client fire when the server next sends
      // on that path (path 1, the backup, may not this round: disarmed at its end).
      const racing = (status: { armed: string[]; holding: number }): boolean => status.holding > 0 || status.armed.includes(`${ADDRESSES.clientA}>${ADDRESSES.server}`);
      while (racing(await ask<{ armed: string[]; holding: number }>(onPath, 'status'))) {
        if (performance.now() > raceDeadline) {
          raceTimeouts.push(round);
          break;
        }
        await sleep(10);
      }
      // Replays, bit flips and forgeries on every flow.
      const attacked = await ask<{ replayed: number; modified: number; injected: number }>(onPath, `attack ${REPLAY} ${FLIP} ${INJECT}`);
      sent.replayed += attacked.replayed;
      sent.modified += attacked.modified;
      sent.injected += attacked.injected;
      // Off-path: old datagrams from fresh addresses, and floods of forgeries with a real header.
      const old = await ask<{ toServer: string[]; toClient: Array<[string, number, string]> }>(onPath, `old ${OLD_PER_ROUND}`);
      for (const datagram of old.toServer) {
        const address = fresh((Number.parseInt(datagram.slice(0, 2), 16) & 0x80) === 0 ? 'old 1-RTT to server' : 'old long header to server');
        await ask(offPath, `send ${address} ${ADDRESSES.server} ${PORT} ${datagram}`);
        sent.oldDatagrams++;
      }
      for (const [dst, dport, datagram] of old.toClient) {
        await ask(offPath, `send ${fresh('old datagram to client')} ${dst} ${dport} ${datagram}`);
        sent.oldDatagrams++;
      }
      const headerFor = (datagrams: string[]): string | undefined => datagrams.find((d) => (Number.parseInt(d.slice(0, 2), 16) & 0x80) === 0)?.slice(0, 18);
      const serverHeader = headerFor(old.toServer);
      const clientTarget = old.toClient.find(([, , d]) => (Number.parseInt(d.slice(0, 2), 16) & 0x80) === 0);
      for (let i = 0; i < FLOODERS_PER_ROUND; i++) {
        if (serverHeader !== undefined) {
          await ask(offPath, `flood ${fresh('flood to server')} ${ADDRESSES.server} ${PORT} ${FLOOD_EACH} ${serverHeader} 1200`);
          sent.floodDatagrams += FLOOD_EACH;
        }
        if (clientTarget !== undefined) {
          await ask(offPath, `flood ${fresh('flood to client')} ${clientTarget[0]} ${clientTarget[1]} ${FLOOD_EACH} ${clientTarget[2].slice(0, 18)} 1200`);
          sent.floodDatagrams += FLOOD_EACH;
        }
      }
      await sleep(150);
      await ask(onPath, 'disarm');
      samples.push({ round, server: await ask<HostState>(server, 'state'), client: await ask<HostState>(client, 'state') });
    }
    // Let anything still in flight settle before the final state is read.
    const settleDeadline = performance.now() + SETTLE_MS;
    let settled = false;
    while (!settled && performance.now() < settleDeadline) {
      await sleep(100);
      const [s, c] = [await ask<HostState>(server, 'state'), await ask<HostState>(client, 'state')];
      settled = s.remotes.join() === genuine.server.join() && c.remotes.join() === genuine.client.join() && s.statuses.join() === 'active,backup' && c.statuses.join() === 'active,backup';
    }
    server.send('end');
    client.send('end');
    const serverDone = JSON.parse(await server.nextLine(60_000)) as HostDone;
    const clientDone = JSON.parse(await client.nextLine(60_000)) as HostDone;
    const wire = { server: n.counts(n.server), client: n.counts(n.client) };
    const offPathReport = await ask<Record<string, { sent: number; datagramsSent: number; received: number; datagramsReceived: number }>>(offPath, 'report');
    const onPathStatus = await ask<Record<string, number>>(onPath, 'status');
    const seconds = (performance.now() - started) / 1000;

    // What RFC 9000 §8.1 bounds: UDP payload (IP bytes less 28 a packet; the kernel's ICMP apart).
    const udpPayload = (c: AttackerCounts[string]): { to: number; from: number } => ({
      to: c.to.bytes - c.icmpTo.bytes - 28 * (c.to.packets - c.icmpTo.packets),
      from: c.from.bytes - 28 * c.from.packets,
    });
    // Per role, at each host: addresses, what they sent the host and what the host sent them (IP bytes).
    type RoleRow = { addresses: number; fromPackets: number; fromBytes: number; toPackets: number; toBytes: number; icmpToBytes: number; addressesAnswered: number; /** The largest UDP-payload ratio (sent to / received from) of one address. */ maxRatio: number };
    const byRole = (counts: AttackerCounts): Record<string, RoleRow> => {
      const rows: Record<string, RoleRow> = {};
      for (const [address, c] of Object.entries(counts)) {
        const role = roles.get(address) ?? 'unknown';
        const row = (rows[role] ??= { addresses: 0, fromPackets: 0, fromBytes: 0, toPackets: 0, toBytes: 0, icmpToBytes: 0, addressesAnswered: 0, maxRatio: 0 });
        row.addresses++;
        row.fromPackets += c.from.packets;
        row.fromBytes += c.from.bytes;
        row.toPackets += c.to.packets;
        row.toBytes += c.to.bytes;
        row.icmpToBytes += c.icmpTo.bytes;
        if (c.to.bytes > 0) row.addressesAnswered++;
        const { to, from } = udpPayload(c);
        row.maxRatio = Math.max(row.maxRatio, from <= 0 ? (to > 0 ? Number.POSITIVE_INFINITY : 0) : Math.round((to / from) * 1000) / 1000);
      }
      return rows;
    };
    const result = {
      command: 'npm run attack:netns',
      date: new Date().toISOString(),
      seconds: Math.round(seconds * 10) / 10,
      settings: { rounds: ROUNDS, chunkBytes: CHUNK, replayPerFlow: REPLAY, flipPerFlow: FLIP, injectPerFlow: INJECT, oldPerRound: OLD_PER_ROUND, floodersPerRound: FLOODERS_PER_ROUND, floodEach: FLOOD_EACH, raceHoldMs: RACE_HOLD_MS },
      sent,
      onPath: onPathStatus,
      raceTimeouts,
      spuriousMoves: [] as string[],
      genuineRemotes: genuine,
      server: { done: serverDone, packetsDropped: serverDone.packetsDropped - droppedBefore.server },
      client: { done: clientDone, packetsDropped: clientDone.packetsDropped - droppedBefore.client },
      wire: { server: byRole(wire.server), client: byRole(wire.client) },
      wirePerAddress: wire,
      offPathHost: offPathReport,
    };

    const broken: string[] = [];
    result.spuriousMoves = [];
    const intact = (from: HostDone, to: HostDone, name: string): void => {
      if (from.sent.bytes !== ROUNDS * CHUNK || to.received.bytes !== from.sent.bytes || to.received.sha256 !== from.sent.sha256) broken.push(`${name} stream: sent ${from.sent.bytes} B ${from.sent.sha256.slice(0, 12)}, received ${to.received.bytes} B ${to.received.sha256.slice(0, 12)}`);
    };
    intact(clientDone, serverDone, 'client-to-server');
    intact(serverDone, clientDone, 'server-to-client');
    for (const [name, done] of [
      ['server', serverDone],
      ['client', clientDone],
    ] as const) {
      if (done.errors.length > 0) broken.push(`${name} errors: ${done.errors.join('; ')}`);
      const pathEvents = done.events.filter((e) => e.endsWith(':status') || e.endsWith(':closed'));
      if (pathEvents.length > 0) broken.push(`${name} path events: ${pathEvents.join(' ')}`);
      if (done.statuses.join() !== 'active,backup') broken.push(`${name} paths at the end: ${done.statuses.join()}`);
      if (done.remotes.join() !== genuine[name].join()) broken.push(`${name} remotes at the end: ${done.remotes.join()} (were ${genuine[name].join()})`);
    }
    // A path found moved at a round's end fails: a path that followed a spoofed copy pings its last
    // validated address too (RFC 9000 §9.3.3), and the genuine peer's answer takes it back within a round
    // trip, well inside the 150 ms pause before the sample (docs/security.md §4).
    const spuriousMoves: string[] = [];
    for (const s of samples) {
      for (const [name, state] of [
        ['server', s.server],
        ['client', s.client],
      ] as const) {
        state.statuses.forEach((status, id) => {
          const remote = state.remotes[id] ?? '';
          const expected = id === 0 ? 'active' : 'backup';
          if (status === expected && remote === genuine[name][id]) return;
          const move = `round ${s.round}: ${name} path ${id} ${status} at ${remote}`;
          if (name === 'client' && id === 1 && status === 'validating' && roles.get(remote.split(':')[0] ?? '') === 'race to client, path 1') spuriousMoves.push(move);
          broken.push(move);
        });
        if (state.statuses.length !== 2) broken.push(`round ${s.round}: ${name} has ${state.statuses.length} paths`);
      }
    }
    for (const [name, counts] of Object.entries(wire)) {
      for (const [address, c] of Object.entries(counts)) {
        const role = roles.get(address) ?? 'unknown';
        if (udpPayload(c).to > AMPLIFICATION_BOUND * udpPayload(c).from) broken.push(`${name} sent ${address} (${role}) ${udpPayload(c).to} B of UDP payload for ${udpPayload(c).from} B > ${AMPLIFICATION_BOUND}x`);
        if (c.icmpTo.bytes > AMPLIFICATION_BOUND * c.from.bytes) broken.push(`${name}'s kernel sent ${address} (${role}) ${c.icmpTo.bytes} B of ICMP for ${c.from.bytes} B`);
      }
    }
    for (const role of ['old 1-RTT to server', 'flood to server'] as const) {
      const row = result.wire.server[role];
      if (row === undefined || row.fromPackets === 0) broken.push(`no ${role} reached the server`);
      else if (row.toBytes > 0) broken.push(`the server answered ${role} senders: ${row.toBytes} B`);
    }
    if ((result.wire.server['race to server']?.fromPackets ?? 0) === 0) broken.push('no re-sourced copy reached the server');
    if (raceTimeouts.length > 0) broken.push(`races never fired in rounds ${raceTimeouts.join(', ')}`);
    if (result.server.packetsDropped <= 0) broken.push('the server dropped no packet');
    if (result.client.packetsDropped <= 0) broken.push('the client dropped no packet');

    result.spuriousMoves.push(...spuriousMoves);
    const pad = (s: string | number, w: number): string => String(s).padStart(w);
    const lines = [
      `attacks: ${sent.raced} races (${onPathStatus.raced} fired), ${sent.replayed} replayed, ${sent.modified} bit-flipped, ${sent.injected} injected (on-path); ${sent.oldDatagrams} old datagrams and ${sent.floodDatagrams} forgeries from ${roles.size - sent.raced} off-path addresses`,
      `streams: client->server ${clientDone.sent.bytes} B -> ${serverDone.received.bytes} B, server->client ${serverDone.sent.bytes} B -> ${clientDone.received.bytes} B (SHA-256 ${broken.some((b) => b.includes('stream')) ? 'DIFFERS' : 'equal'})`,
      `paths at the end: server ${serverDone.statuses.join(',')} at ${serverDone.remotes.join(' ')}; client ${clientDone.statuses.join(',')}; path events since the attack: server ${serverDone.events.join(' ') || 'none'}, client ${clientDone.events.join(' ') || 'none'}`,
      `spoofed moves seen at a round's end (the client's quiet backup path at a racer's address): ${spuriousMoves.length}${spuriousMoves.length > 0 ? ` (${spuriousMoves.join('; ')})` : ''}`,
      `packets dropped: server ${result.server.packetsDropped}, client ${result.client.packetsDropped}`,
      'on the wire (nftables), per attacker role:',
      `  ${'host'.padEnd(7)}${'role'.padEnd(28)}${pad('addrs', 6)}${pad('pkts in', 9)}${pad('B in', 10)}${pad('pkts out', 9)}${pad('B out', 9)}${pad('ICMP B', 8)}${pad('answered', 9)}${pad('max x', 7)}  (B: IP bytes; max x: UDP payload out/in of one address)`,
      ...Object.entries(result.wire).flatMap(([host, rows]) =>
        Object.entries(rows).map(([role, r]) => `  ${host.padEnd(7)}${role.padEnd(28)}${pad(r.addresses, 6)}${pad(r.fromPackets, 9)}${pad(r.fromBytes, 10)}${pad(r.toPackets, 9)}${pad(r.toBytes, 9)}${pad(r.icmpToBytes, 8)}${pad(r.addressesAnswered, 9)}${pad(r.maxRatio, 7)}`),
      ),
      `${seconds.toFixed(1)} s`,
    ];
    console.log(lines.join('\n'));
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'netns-on-path.json'), `${JSON.stringify({ ...result, broken }, null, 2)}\n`);
    for (const message of broken) console.error(`CHECK FAILED: ${message}`);
    if (broken.length === 0) console.log('attack:netns: every check held');
    return broken.length === 0 ? 0 : 1;
  } finally {
    teardown();
  }
}

process.exitCode = await main();

