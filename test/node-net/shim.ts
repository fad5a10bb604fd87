/**
 * The net-like object the rewritten Node tests import: node:net itself with
 * MODE=net, mpt's Node API with MODE=mpt. Only names are mapped here, never
 * behaviour: whatever mpt lacks or does differently must fail in the tests.
 */
import * as nodeNet from 'node:net';

/** The part of node:net the tests use. */
export interface NetLike {
  // node:net also takes (port, connectListener), which @types/node 20 does not declare.
  connect: typeof nodeNet.connect & ((port: number, connectListener?: () => void) => nodeNet.Socket);
  createConnection: typeof nodeNet.createConnection & ((port: number, connectListener?: () => void) => nodeNet.Socket);
  createServer: typeof nodeNet.createServer;
  Socket: typeof nodeNet.Socket;
  Server: typeof nodeNet.Server;
}

export const MODE: 'net' | 'mpt' = process.env.MODE === 'mpt' ? 'mpt' : 'net';

async function mptNet(): Promise<NetLike> {
  // Loaded only in mpt mode, so that the node:net runs do not pay for compiling mpt.
  const mpt = await import('../../src/index.js');
  const api = mpt as unknown as Record<string, unknown>;
  return {
    connect: mpt.connect,
    // net.createConnection is net.connect under another name; until mpt has its own, map it to connect.
    createConnection: api.createConnection ?? mpt.connect,
    createServer: mpt.createServer,
    Socket: mpt.MptSocket,
    Server: mpt.MptServer,
  } as unknown as NetLike;
}

/** node:net (MODE=net) or mpt (MODE=mpt). */
const net: NetLike = MODE === 'mpt' ? await mptNet() : (nodeNet as NetLike);
export default net;
