// The receiving end of a one-file transfer (src/cli/transfer/receive-file.ts) over a real loopback
// connection, against the sender or a hand-made stream: the file arrives whole under its sanitised
// name, and a transfer that goes wrong leaves no file behind (not even the temporary one).
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeHeader } from '../../../src/cli/transfer/header.js';
import { FileReceiver } from '../../../src/cli/transfer/receive-file.js';
import { decodeReply } from '../../../src/cli/transfer/reply.js';
import { FileSender } from '../../../src/cli/transfer/send-file.js';
import { loopbackPair, type LoopbackPair } from '../../support/loopback-pair.js';
import { folders, rejection, removeFolders } from './transfer-fixture.js';

afterAll(removeFolders);
let pair: LoopbackPair | undefined;
afterEach(() => pair?.close());

describe('the receiver of a one-file transfer', () => {
  it('arrives intact under the last component of its name, with both digests equal to the file', async () => {
    const bytes = Buffer.concat([randomBytes(700_000), Buffer.alloc(100_000), randomBytes(3)]);
    const { file, dest } = folders(bytes);
    pair = await loopbackPair({ allowHalfOpen: true });
    const receiver = new FileReceiver(pair.server, { dir: dest });
    const sender = new FileSender(pair.client, { path: file, name: '../../up/there.bin', size: bytes.length });
    const [received, sent] = await Promise.all([receiver.run(), sender.run()]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(sent).toEqual({ sha256, receiverSha256: sha256 });
    expect(received).toEqual({ offeredName: '../../up/there.bin', path: join(dest, 'there.bin'), size: bytes.length, sha256 });
    expect(readFileSync(join(dest, 'there.bin')).equals(bytes)).toBe(true);
    expect(readdirSync(dest)).toEqual(['there.bin']);
    expect(sender.bytesSent).toBe(bytes.length);
    expect(receiver.bytesReceived).toBe(bytes.length);
  });

  it('replaces a file of the same name with force', async () => {
    const { file, dest } = folders(Buffer.from('new'));
    writeFileSync(join(dest, 'data.bin'), 'old');
    pair = await loopbackPair({ allowHalfOpen: true });
    await Promise.all([new FileReceiver(pair.server, { dir: dest, force: true }).run(), new FileSender(pair.client, { path: file, name: 'data.bin', size: 3 }).run()]);
    expect(readFileSync(join(dest, 'data.bin'), 'utf8')).toBe('new');
  });

  it('keeps no file when the digests differ, and gives the sender its own digest to compare', async () => {
    const { dest } = folders(Buffer.alloc(0));
    pair = await loopbackPair({ allowHalfOpen: true });
    const received = rejection(new FileReceiver(pair.server, { dir: dest }).run());
    // A sender whose digest is not that of its bytes.
    const reply: Buffer[] = [];
    pair.client.on('data', (b: Buffer) => reply.push(b));
    const ended = new Promise((resolve) => pair!.client.once('end', resolve));
    pair.client.end(Buffer.concat([encodeHeader({ name: 'x.bin', size: 4 }), Buffer.from('abcd'), Buffer.alloc(32)]));
    const error = await received;
    await ended;
    expect(error.code).toBe('ERR_MPT_CLI_CHECKSUM');
    expect(decodeReply(Buffer.concat(reply))).toEqual({ status: 'received', sha256: createHash('sha256').update('abcd').digest() });
    expect(readdirSync(dest)).toEqual([]);
  });

  it('keeps no file when the sender stops early, and refuses a busy transfer', async () => {
    const { dest } = folders(Buffer.alloc(0));
    pair = await loopbackPair({ allowHalfOpen: true });
    const received = rejection(new FileReceiver(pair.server, { dir: dest }).run());
    pair.client.on('data', () => {});
    pair.client.end(Buffer.concat([encodeHeader({ name: 'x.bin', size: 10 }), Buffer.from('abc')]));
    const error = await received;
    expect(error.code).toBe('ERR_MPT_CLI_PROTOCOL');
    expect(error.message).toBe('the sender stopped after 3 of 10 bytes');
    expect(readdirSync(dest)).toEqual([]);
    pair.close();

    pair = await loopbackPair({ allowHalfOpen: true });
    const { file } = folders(Buffer.from('abc'));
    const [busy, sent] = await Promise.all([
      rejection(new FileReceiver(pair.server, { dir: dest, refuse: 'busy' }).run()),
      rejection(new FileSender(pair.client, { path: file, name: 'x', size: 3 }).run()),
    ]);
    expect(busy.code).toBe('ERR_MPT_CLI_BUSY');
    expect(sent.message).toBe('the receiver refused the file: busy');
  });

});
