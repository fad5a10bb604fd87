// The metered-cap plugin in the simulator, through `mpt/sim` only: how a plugin author tests a plugin.
// A client with a Wi-Fi and a cellular (metered) interface, each with its own link to the server.
import { describe, expect, test } from 'vitest';
import { ReasonCode, simulateConnection, type LocalInterface, type SimulatedLink } from 'mpt/sim';
import { meteredCap } from './metered-cap.js';

const SERVER = { host: '10.9.9.9', port: 443 };
const WIFI: LocalInterface = { address: { host: '10.0.0.2', port: 40_000 }, name: 'wlan0', type: 'wifi', metered: false };
const CELL: LocalInterface = { address: { host: '10.0.1.2', port: 40_000 }, name: 'wwan0', type: 'cellular', metered: true };
const ETH: LocalInterface = { address: { host: '10.0.2.2', port: 40_000 }, name: 'eth0', type: 'ethernet', metered: false };

/**
 * A link of `mbps` Mbit/s, `oneWayMs` each way, random loss `loss` both ways, and a 256 KiB queue: deep
 * enough that a new path's slow start does not overflow it at once (loss the plugin would blame on the path).
 */
function link(from: LocalInterface, mbps: number, oneWayMs: number, loss = 0): SimulatedLink {
  const options = { delayMs: oneWayMs, rateBps: mbps * 1e6, queueBytes: 256 * 1024, lossRate: loss };
  return { from: from.address.host, to: SERVER.host, forward: options, reverse: options };
}

function pattern(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + (i >>> 8)) & 0xff;
  return out;
}

/** A client on `interfaces` (first one starts), running `plugin`, its links as given; established. */
function setUp(interfaces: readonly LocalInterface[], links: readonly SimulatedLink[], plugin: () => ReturnType<ReturnType<typeof meteredCap>>, seed = 1) {
  const c = simulateConnection({
    seed,
    client: { addresses: interfaces.map((i) => i.address), interfaces, pathManager: plugin },
    server: { addresses: [SERVER] },
    links,
  });
  c.establish();
  return c;
}

/** Sends `bytes` from the client and runs until the server has read them all; returns virtual ms. */
function transfer(c: ReturnType<typeof setUp>, bytes: number, limitMs = 60_000): number {
  const data = pattern(bytes);
  c.client.write(data);
  c.client.end();
  const ms = c.runUntil(() => c.server.readEnded, limitMs);
  expect(Buffer.compare(Buffer.from(c.server.received()), Buffer.from(data))).toBe(0);
  return ms;
}

const sentFrom = (c: ReturnType<typeof setUp>, i: LocalInterface): number =>
  c.client.allPaths().filter((p) => p.local.host === i.address.host).reduce((n, p) => n + p.bytesSent, 0);

describe('metered-cap, in the simulator', () => {
  test('prefers the lowest-loss path: a lossy Ethernet path is made a backup while the clean Wi-Fi one carries the stream', () => {
    const c = setUp([ETH, WIFI], [link(ETH, 20, 10, 0.05), link(WIFI, 20, 15)], meteredCap({ capBytes: 1e9 }));
    const data = pattern(12_000_000);
    c.client.write(data);
    c.client.end();
    // Loss is measured on traffic: the first stats periods with enough packets decide.
    const switchMs = c.runUntil(() => {
      const states = c.client.paths().map((p) => `${p.local.host}:${p.state}`);
      return states.includes(`${ETH.address.host}:backup`) && states.includes(`${WIFI.address.host}:active`);
    }, 5_000);
    const before = { eth: sentFrom(c, ETH), wifi: sentFrom(c, WIFI) };
    const ms = c.runUntil(() => c.server.readEnded, 60_000);
    expect(Buffer.compare(Buffer.from(c.server.received()), Buffer.from(data))).toBe(0);
    const eth = sentFrom(c, ETH) - before.eth;
    const wifi = sentFrom(c, WIFI) - before.wifi;
    console.log(`metered-cap (sim): Ethernet (5% loss) made backup after ${switchMs} ms; then Ethernet sent ${eth} B, Wi-Fi ${wifi} B (12 MB done ${ms} ms later)`);
    // Ethernet carries only its occasional second chance (its loss estimate decays while it is a backup).
    expect(eth).toBeLessThan(0.1 * wifi);
  });

  test('a metered interface sends no more than its cap: the clean cellular path is preferred until the cap, then closed; the stream completes over Wi-Fi', () => {
    const capBytes = 3_000_000;
    const plugin = meteredCap({ capBytes });
    const c = setUp([WIFI, CELL], [link(WIFI, 10, 10, 0.03), link(CELL, 10, 30)], plugin);
    const data = pattern(10_000_000);
    c.client.write(data);
    c.client.end();
    const preferMs = c.runUntil(() => {
      const states = c.client.paths().map((p) => `${p.local.host}:${p.state}`);
      return states.includes(`${CELL.address.host}:active`) && states.includes(`${WIFI.address.host}:backup`);
    }, 5_000);
    const ms = preferMs + c.runUntil(() => c.server.readEnded, 120_000);
    expect(Buffer.compare(Buffer.from(c.server.received()), Buffer.from(data))).toBe(0);
    const cell = sentFrom(c, CELL);
    const closed = c.client.pathEvents.find((e) => e.change === 'closed');
    console.log(
      `metered-cap (sim): cellular preferred after ${preferMs} ms; it sent ${cell} B of its ${capBytes} B cap ` +
        `(plugin's count ${plugin.usage().get('wwan0')}) and was closed at ${closed?.atMs} ms; 10 MB done at ${ms} ms`,
    );
    expect(cell).toBeLessThanOrEqual(capBytes);
    expect(cell).toBeGreaterThan(capBytes / 2); // it was used, not merely avoided
    expect(closed?.reasonCode).toBe(ReasonCode.AdministrativelyProhibited);
    expect(plugin.usage().get('wwan0')).toBe(cell);
    expect(c.client.logs.some((l) => l.includes('wwan0'))).toBe(true);
    expect(c.client.pluginErrors).toEqual([]);
  });

  test('the budget is shared by every connection of one factory: once spent, a new connection opens no path from the metered interface', () => {
    const plugin = meteredCap({ capBytes: 500_000 });
    const first = setUp([WIFI, CELL], [link(WIFI, 10, 10, 0.03), link(CELL, 10, 30)], plugin);
    first.runFor(3_000);
    transfer(first, 3_000_000);
    const second = setUp([WIFI, CELL], [link(WIFI, 10, 10), link(CELL, 10, 30)], plugin, 2);
    transfer(second, 1_000_000);
    expect(second.client.paths().map((p) => p.local.host)).toEqual([WIFI.address.host]);
    expect(sentFrom(first, CELL) + sentFrom(second, CELL)).toBeLessThanOrEqual(500_000);
  });

  test('an interface that goes away: its path closes with AddressRemoved; one that comes back gets a path again', () => {
    const c = setUp([WIFI, CELL], [link(WIFI, 10, 10), link(CELL, 10, 30)], meteredCap({ capBytes: 1e9 }));
    c.runFor(500);
    expect(c.client.paths().filter((p) => p.state !== 'closed').map((p) => p.local.host)).toEqual([WIFI.address.host, CELL.address.host]);
    c.client.setInterfaces([WIFI]);
    c.runFor(500);
    expect(c.client.pathEvents.filter((e) => e.change === 'closed').map((e) => e.reasonCode)).toEqual([ReasonCode.AddressRemoved]);
    const removedAt = c.sim.nowMs;
    c.client.setInterfaces([WIFI, CELL]);
    c.runUntil(() => c.client.pathEvents.some((e) => e.change === 'up' && e.atMs >= removedAt), 5_000);
    transfer(c, 1_000_000);
    expect(c.client.paths().filter((p) => p.state !== 'closed').map((p) => p.local.host)).toEqual([WIFI.address.host, CELL.address.host]);
  });
});
