// The pump of mpt connect (src/cli/relay.ts): input to the stream, the stream to output, and how it
// ends: our input's end half-closes the stream; the peer's end ends ours too even if the input never
// ends (a terminal), and the relay is done once the connection closed and the output has every byte.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { relay } from '../../src/cli/relay.js';
import { loopbackPair, type LoopbackPair } from '../support/loopback-pair.js';

let pair: LoopbackPair | undefined;
afterEach(() => pair?.close());

function collect(stream: PassThrough): () => Buffer {
  const chunks: Buffer[] = [];
  stream.on('data', (b: Buffer) => chunks.push(b));
  return () => Buffer.concat(chunks);
}

describe('relay', () => {
  it('half-closes on the end of input, and finishes when the peer ends after answering', async () => {
    pair = await loopbackPair({ allowHalfOpen: true });
    const { server } = pair;
    const seen: Buffer[] = [];
    server.on('data', (b: Buffer) => seen.push(b));
    server.on('end', () => server.end(Buffer.concat([Buffer.from('got '), Buffer.from(String(Buffer.concat(seen).length))])));
    const input = new PassThrough();
    const output = new PassThrough();
    const got = collect(output);
    const done = relay(pair.client, input, output);
    input.write(Buffer.alloc(100_000, 1));
    input.end(Buffer.from([0, 255]));
    await done;
    expect(String(got())).toBe('got 100002');
  });

  it('ends and finishes when the peer ends first, though the input stays open', async () => {
    pair = await loopbackPair({ allowHalfOpen: true });
    const { server } = pair;
    server.resume();
    const serverEnded = new Promise((resolve) => server.on('end', resolve));
    const input = new PassThrough();
    const output = new PassThrough();
    const got = collect(output);
    const done = relay(pair.client, input, output);
    server.end('bye');
    await done;
    await serverEnded;
    expect(String(got())).toBe('bye');
    expect(input.readableEnded).toBe(false);
  });

  it('fails with the output error (a reader that went away)', async () => {
    pair = await loopbackPair({ allowHalfOpen: true });
    const output = new PassThrough();
    const done = relay(pair.client, new PassThrough(), output);
    output.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await expect(done).rejects.toMatchObject({ code: 'ERR_MPT_CLI_OUTPUT', message: 'writing stdout: write EPIPE' });
  });
});
