// The receiver's reply (src/cli/transfer/reply.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeReply, encodeReply } from '../../../src/cli/transfer/reply.js';

describe('the transfer reply', () => {
  it('carries a digest or a refusal, and is undefined until complete', () => {
    const sha256 = createHash('sha256').update('x').digest();
    const received = encodeReply({ status: 'received', sha256 });
    expect(received.length).toBe(5 + 32);
    expect(decodeReply(received)).toEqual({ status: 'received', sha256 });
    expect(decodeReply(received.subarray(0, 36))).toBeUndefined();
    const refused = encodeReply({ status: 'refused', reason: 'f.bin exists' });
    expect(refused.subarray(0, 7).toString('hex')).toBe(Buffer.from('MPTR').toString('hex') + '01000c');
    expect(decodeReply(refused)).toEqual({ status: 'refused', reason: 'f.bin exists' });
    expect(decodeReply(refused.subarray(0, 4))).toBeUndefined();
  });

  it('refuses bytes that are not a reply', () => {
    expect(() => decodeReply(Buffer.from('HTTP/1.1 200'))).toThrow(/not from mpt recv/);
    expect(() => decodeReply(Buffer.from([...Buffer.from('MPTR'), 9]))).toThrow(/unknown status 9/);
    const extra = Buffer.concat([encodeReply({ status: 'refused', reason: 'no' }), Buffer.from('!')]);
    expect(() => decodeReply(extra)).toThrow(/runs on past its end/);
  });
});
