// The stream mpt send writes and mpt recv reads (src/cli/transfer/header.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/args.js';
import { encodeHeader, TransferReader, type TransferEvent } from '../../../src/cli/transfer/header.js';

function stream(name: string, body: Buffer): Buffer {
  return Buffer.concat([encodeHeader({ name, size: body.length }), body, createHash('sha256').update(body).digest()]);
}

/** Feeds `bytes` in chunks of `size` and gathers what the reader reports. */
function feed(bytes: Buffer, size: number): { events: TransferEvent[]; reader: TransferReader } {
  const reader = new TransferReader();
  const events: TransferEvent[] = [];
  for (let at = 0; at < bytes.length; at += size) events.push(...reader.push(bytes.subarray(at, at + size)));
  return { events, reader };
}

function protocolError(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect((error as CliError).code).toBe('ERR_MPT_CLI_PROTOCOL');
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('the transfer header', () => {
  it('lays out magic, version, name length, name, size', () => {
    expect(encodeHeader({ name: 'a.txt', size: 258 }).toString('hex')).toBe(
      Buffer.from('MPTF').toString('hex') + '01' + '0005' + Buffer.from('a.txt').toString('hex') + '0000000000000102',
    );
    expect(() => encodeHeader({ name: '', size: 1 })).toThrow(RangeError);
    expect(() => encodeHeader({ name: 'x'.repeat(1025), size: 1 })).toThrow(RangeError);
    expect(() => encodeHeader({ name: 'x', size: 2 ** 53 })).toThrow(RangeError);
  });

  it('is read back whole, however the stream is cut into chunks', () => {
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const bytes = stream('dossier/é.bin', body);
    for (const size of [1, 7, 1000, bytes.length]) {
      const { events, reader } = feed(bytes, size);
      expect(events[0]).toEqual({ type: 'header', offer: { name: 'dossier/é.bin', size: 3000 } });
      const data = Buffer.concat(events.filter((e) => e.type === 'data').map((e) => (e as { bytes: Buffer }).bytes));
      expect(data.equals(body)).toBe(true);
      expect(events.at(-1)).toEqual({ type: 'digest', sha256: createHash('sha256').update(body).digest() });
      expect(reader.done).toBe(true);
      expect(() => reader.end()).not.toThrow();
    }
  });

  it('reads an empty file', () => {
    const { events, reader } = feed(stream('empty', Buffer.alloc(0)), 5);
    expect(events.map((e) => e.type)).toEqual(['header', 'digest']);
    expect(reader.done).toBe(true);
  });

  it('refuses what does not follow the layout', () => {
    const good = stream('f', Buffer.from('hello'));
    expect(protocolError(() => new TransferReader().push(Buffer.from('GET / HTTP/1.1\r\n')))).toMatch(/no MPTF header/);
    const v2 = Buffer.from(good);
    v2[4] = 2;
    expect(protocolError(() => new TransferReader().push(v2))).toMatch(/version 2/);
    const noName = Buffer.from(good);
    noName.writeUInt16BE(0, 5);
    expect(protocolError(() => new TransferReader().push(noName))).toMatch(/name length 0/);
    const huge = Buffer.from(good);
    huge.writeBigUInt64BE(2n ** 60n, 8);
    expect(protocolError(() => new TransferReader().push(huge))).toMatch(/above 2\^53/);
    expect(protocolError(() => new TransferReader().push(Buffer.concat([good, Buffer.from('x')])))).toMatch(/more than the file/);
    const tooMuch = new TransferReader();
    tooMuch.push(good);
    expect(protocolError(() => tooMuch.push(Buffer.from('x')))).toMatch(/more than the file/);
  });

  it('says where a stream that ends early stopped', () => {
    const good = stream('f', Buffer.from('hello'));
    expect(protocolError(() => new TransferReader().end())).toBe('the sender sent nothing');
    const inHeader = new TransferReader();
    inHeader.push(good.subarray(0, 6));
    expect(protocolError(() => inHeader.end())).toBe('the sender stopped within the header');
    const inBody = new TransferReader();
    inBody.push(good.subarray(0, 4 + 1 + 2 + 1 + 8 + 3));
    expect(inBody.remaining).toBe(2);
    expect(protocolError(() => inBody.end())).toBe('the sender stopped after 3 of 5 bytes');
  });
});
