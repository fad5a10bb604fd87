// readHeader(): a header off the front of a stream, whatever the chunking, with what follows it put
// back so the next reader gets it first, and the stream left not flowing.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { encodeReply, encodeRequest, ReplyDecoder, RequestDecoder } from '../../src/proxy/converter-protocol.js';
import { readHeader } from '../../src/proxy/read-header.js';

describe('readHeader', () => {
  test('a header split over chunks, payload in the last chunk and after: all of it left to the next reader, in order', async () => {
    const stream = new PassThrough();
    const request = encodeRequest({ host: 'example.com', port: 8443 });
    const reading = readHeader(stream, new RequestDecoder());
    stream.write(request.subarray(0, 5));
    await new Promise((resolve) => setImmediate(resolve));
    stream.write(Buffer.concat([request.subarray(5), Buffer.from('pay')]));
    const outcome = await reading;
    expect(outcome).toEqual({ state: 'done', value: { addressType: 3, host: 'example.com', port: 8443 } });
    stream.end('load');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.readableFlowing).toBe(null);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => stream.once('end', resolve));
    expect(String(Buffer.concat(chunks))).toBe('payload');
  });

  test('a malformed header is an error outcome', async () => {
    const stream = new PassThrough();
    const reading = readHeader(stream, new ReplyDecoder());
    stream.write(Buffer.from([9, 9, 9]));
    expect(await reading).toMatchObject({ state: 'error', code: 1 });
  });

  test('an end before the whole header: closed, with the count of bytes seen', async () => {
    const stream = new PassThrough();
    const reading = readHeader(stream, new ReplyDecoder());
    stream.end(encodeReply(0, 'long reason').subarray(0, 4));
    expect(await reading).toEqual({ state: 'closed', error: undefined, bytes: 4 });
  });

  test('an error of the stream: closed, with the error', async () => {
    const stream = new PassThrough();
    const reading = readHeader(stream, new ReplyDecoder());
    const boom = new Error('boom');
    stream.destroy(boom);
    expect(await reading).toEqual({ state: 'closed', error: boom, bytes: 0 });
  });

  test('nothing within the timeout: a timeout outcome', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from([1]));
    expect(await readHeader(stream, new ReplyDecoder(), 50)).toEqual({ state: 'timeout', bytes: 1 });
  });
});
