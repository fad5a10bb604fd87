// The sending end of a one-file transfer (src/cli/transfer/send-file.ts) against the receiving end over
// a real loopback connection: a refusal reaches the sender with its reason, and a file that is not
// the size announced fails the sender, with nothing left at the receiver.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FileReceiver } from '../../../src/cli/transfer/receive-file.js';
import { FileSender } from '../../../src/cli/transfer/send-file.js';
import { loopbackPair, type LoopbackPair } from '../../support/loopback-pair.js';
import { folders, rejection, removeFolders } from './transfer-fixture.js';

afterAll(removeFolders);
let pair: LoopbackPair | undefined;
afterEach(() => pair?.close());

describe('the sender of a one-file transfer', () => {
  it('is refused when the name exists, and the sender hears why', async () => {
    const { file, dest } = folders(Buffer.from('new'));
    writeFileSync(join(dest, 'data.bin'), 'old');
    pair = await loopbackPair({ allowHalfOpen: true });
    const [received, sent] = await Promise.all([
      rejection(new FileReceiver(pair.server, { dir: dest }).run()),
      rejection(new FileSender(pair.client, { path: file, name: 'data.bin', size: 3 }).run()),
    ]);
    expect(received.code).toBe('ERR_MPT_CLI_EXISTS');
    expect(sent.code).toBe('ERR_MPT_CLI_REFUSED');
    expect(sent.message).toBe("the receiver refused the file: data.bin exists in the receiver's folder");
    expect(readFileSync(join(dest, 'data.bin'), 'utf8')).toBe('old');
    expect(readdirSync(dest)).toEqual(['data.bin']);
  });


  it('fails the sender when the file is not the size it announced', async () => {
    const { file, dest } = folders(Buffer.from('abcdef'));
    pair = await loopbackPair({ allowHalfOpen: true });
    const receiving = rejection(new FileReceiver(pair.server, { dir: dest }).run());
    const sent = await rejection(new FileSender(pair.client, { path: file, name: 'x', size: 4 }).run());
    expect(sent.code).toBe('ERR_MPT_CLI_CHANGED');
    await receiving;
    expect(readdirSync(dest)).toEqual([]);
  });
});
