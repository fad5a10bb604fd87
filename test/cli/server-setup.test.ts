// What serve and recv share (src/cli/server-setup.ts): their keys, the clients they accept, and how
// they say where they listen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPublicKey, writeKeyPairFiles } from '../../src/cli/key-files.js';
import { listeningLines, serverKeys, serverOptionsFor, startListening, stopServer } from '../../src/cli/server-setup.js';
import { createServer, generateKeyPair } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mpt-server-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('server setup', () => {
  it('takes the key file, or makes a fresh key; accepts the listed client keys only', () => {
    const pair = generateKeyPair();
    const client = generateKeyPair();
    writeKeyPairFiles(join(dir, 'id'), pair, false);
    writeKeyPairFiles(join(dir, 'client'), client, false);
    const keys = serverKeys({ key: join(dir, 'id'), 'client-key': [join(dir, 'client.pub'), formatPublicKey(pair.publicKey)] }, () => {});
    expect(keys.fresh).toBe(false);
    expect(keys.keyPair).toEqual(pair);
    const verify = serverOptionsFor(keys).verifyClientKey!;
    expect(verify(client.publicKey)).toBe(true);
    expect(verify(pair.publicKey)).toBe(true);
    expect(verify(generateKeyPair().publicKey)).toBe(false);
    const fresh = serverKeys({}, () => {});
    expect(fresh.fresh).toBe(true);
    expect(serverOptionsFor(fresh).verifyClientKey).toBeUndefined();
  });

  it('listens as planned, says where, and stops', async () => {
    const server = createServer(serverOptionsFor(serverKeys({}, () => {})));
    await startListening(server, { hosts: ['127.0.0.1'], port: 0 });
    const port = server.address()!.port;
    expect(listeningLines(server)).toEqual([`server key ${formatPublicKey(server.publicKey)}`, `listening on 127.0.0.1:${port}`]);
    await stopServer(server, []);
    expect(server.listening).toBe(false);
    // A port in use is the listen's error.
    const first = createServer();
    await startListening(first, { hosts: ['127.0.0.1'], port: 0 });
    const taken = createServer();
    await expect(startListening(taken, { hosts: ['127.0.0.1'], port: first.address()!.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await stopServer(first, []);
  });
});
