import { describe, expect, it } from 'vitest';
import { MAX_PEER_ADDRESSES, MAX_PEER_WITHDRAWN, PathSignals, type SignalFrame } from '../../src/core/path-signals.js';
import type { AddAddressFrame } from '../../src/core/wire/index.js';

function drain(s: PathSignals): SignalFrame[] {
  const out: SignalFrame[] = [];
  for (let f = s.peek(); f !== undefined; f = s.peek()) {
    out.push(f);
    s.shift();
  }
  return out;
}

const add = (addressId: number, sequenceNumber: number, last: number, port = 4433): AddAddressFrame => ({
  type: 'addAddress',
  addressId,
  sequenceNumber,
  family: 4,
  address: new Uint8Array([10, 0, 0, last]),
  port,
});

describe('PathSignals: what we say', () => {
  it('advertises an address once, as ADD_ADDRESS with IPv4 bytes, and withdraws it with a higher sequence number', () => {
    const s = new PathSignals();
    expect(s.advertise({ host: '192.0.2.7', port: 5000 })).toBe(true);
    expect(s.advertise({ host: '192.0.2.7', port: 5000 })).toBe(false);
    expect(s.advertise({ host: 'example.com', port: 5000 })).toBe(false);
    const [a] = drain(s);
    expect(a).toMatchObject({ type: 'addAddress', addressId: 1, sequenceNumber: 0, family: 4, port: 5000 });
    expect(Array.from((a as AddAddressFrame).address)).toEqual([192, 0, 2, 7]);
    expect(s.withdraw({ host: '192.0.2.7', port: 5000 })).toBe(true);
    expect(s.withdraw({ host: '192.0.2.7', port: 5000 })).toBe(false);
    expect(drain(s)).toEqual([{ type: 'removeAddress', addressId: 1, sequenceNumber: 1 }]);
    expect(s.advertised()).toEqual([]);
  });

  it('resends a lost signal only while it is the latest word', () => {
    const s = new PathSignals();
    s.advertise({ host: '::1', port: 9 });
    const [added] = drain(s);
    s.onLost(added!);
    expect(drain(s)).toEqual([added]); // still current: sent again
    s.withdraw({ host: '::1', port: 9 });
    const [removed] = drain(s);
    s.onLost(added!); // the ADD was overtaken by the REMOVE: not resent
    expect(s.framesDue).toBe(false);
    s.onLost(removed!);
    expect(drain(s)).toEqual([removed]);

    s.setStatus(3, 'backup');
    const [backup] = drain(s);
    s.setStatus(3, 'available');
    const [available] = drain(s);
    s.onLost(backup!);
    expect(s.framesDue).toBe(false);
    s.onLost(available!);
    expect(drain(s)).toEqual([{ type: 'pathStatus', pathId: 3, sequenceNumber: 1, status: 'available' }]);
  });

  it('keeps only the latest PATH_STATUS queued, and PATH_ABANDON replaces it; abandon repeats until acknowledged', () => {
    const s = new PathSignals();
    s.setStatus(1, 'backup');
    s.setStatus(1, 'available');
    s.setStatus(2, 'backup');
    s.abandon(2, 7);
    s.abandon(2, 7);
    const frames = drain(s);
    expect(frames).toEqual([
      { type: 'pathStatus', pathId: 1, sequenceNumber: 1, status: 'available' },
      { type: 'pathAbandon', pathId: 2, reasonCode: 7 },
    ]);
    s.onLost(frames[1]!);
    expect(drain(s)).toEqual([frames[1]]);
    s.onAcked(frames[1]!);
    s.onLost(frames[1]!);
    expect(s.framesDue).toBe(false);
  });
});

describe('PathSignals: what the peer says', () => {
  it('learns an address once and ignores stale or repeated frames for its id', () => {
    const s = new PathSignals();
    expect(s.onPeerAdd(add(5, 0, 1))).toEqual({ host: '10.0.0.1', port: 4433 });
    expect(s.onPeerAdd(add(5, 0, 1))).toBeUndefined(); // a repeat
    expect(s.onPeerRemove({ type: 'removeAddress', addressId: 5, sequenceNumber: 1 })).toEqual({ host: '10.0.0.1', port: 4433 });
    // A reordered older ADD_ADDRESS cannot resurrect the withdrawn address.
    expect(s.onPeerAdd(add(5, 0, 1))).toBeUndefined();
    expect(s.peerAddresses()).toEqual([]);
    expect(s.onPeerAdd(add(5, 2, 9))).toEqual({ host: '10.0.0.9', port: 4433 });
    expect(s.peerAddresses()).toEqual([{ host: '10.0.0.9', port: 4433 }]);
  });

  it('remembers at most MAX_PEER_ADDRESSES ids and counts the rest', () => {
    const s = new PathSignals();
    for (let i = 0; i < MAX_PEER_ADDRESSES + 10; i++) s.onPeerAdd(add(i, 0, i % 250, 1000 + i));
    expect(s.peerAddresses()).toHaveLength(MAX_PEER_ADDRESSES);
    expect(s.peerAddressesRefused).toBe(10);
  });

  it('an address that flaps many times is still accepted: withdrawn ids do not count against the limit and are bounded', () => {
    const ours = new PathSignals();
    const peer = new PathSignals();
    const address = { host: '10.0.0.7', port: 4433 };
    for (let i = 0; i < 40; i++) {
      ours.advertise(address);
      for (const f of drain(ours)) if (f.type === 'addAddress') expect(peer.onPeerAdd(f)).toEqual(address);
      ours.withdraw(address);
      for (const f of drain(ours)) if (f.type === 'removeAddress') expect(peer.onPeerRemove(f)).toEqual(address);
    }
    // Re-advertising reuses the address id with the next sequence number.
    ours.advertise(address);
    const [again] = drain(ours);
    expect(again).toMatchObject({ type: 'addAddress', addressId: 1, sequenceNumber: 80 });
    expect(peer.onPeerAdd(again as AddAddressFrame)).toEqual(address);
    expect(peer.peerAddressesRefused).toBe(0);
    // Many distinct withdrawn ids: the tombstones stay bounded.
    for (let i = 0; i < 200; i++) {
      peer.onPeerAdd(add(1000 + i, 0, i % 250, 2000 + i));
      peer.onPeerRemove({ type: 'removeAddress', addressId: 1000 + i, sequenceNumber: 1 });
    }
    expect((peer as unknown as { peers: Map<number, unknown> }).peers.size).toBeLessThanOrEqual(MAX_PEER_ADDRESSES + MAX_PEER_WITHDRAWN);
    expect(peer.peerAddresses()).toEqual([address]);
  });

  it('applies a PATH_STATUS only when its sequence number is newer', () => {
    const s = new PathSignals();
    expect(s.onPeerStatus({ type: 'pathStatus', pathId: 1, sequenceNumber: 3, status: 'backup' })).toBe(true);
    expect(s.onPeerStatus({ type: 'pathStatus', pathId: 1, sequenceNumber: 2, status: 'available' })).toBe(false);
    expect(s.onPeerStatus({ type: 'pathStatus', pathId: 1, sequenceNumber: 3, status: 'available' })).toBe(false);
    expect(s.onPeerStatus({ type: 'pathStatus', pathId: 2, sequenceNumber: 0, status: 'available' })).toBe(true);
  });
});
