// --server-key: a 32-byte key as mpt-pub:..., hex or base64/base64url, nothing else.
import { describe, expect, it } from 'vitest';
import { formatKey, parseServerKey } from '../../../src/cli/bench/server-key.js';
import { formatPublicKey } from '../../../src/cli/key-files.js';

describe('parseServerKey', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 251) & 0xff);

  it('reads hex (either case), base64 and base64url, with or without padding', () => {
    const hex = formatKey(key);
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(parseServerKey(hex)._unsafeUnwrap()).toEqual(key);
    expect(parseServerKey(hex.toUpperCase())._unsafeUnwrap()).toEqual(key);
    const b64 = Buffer.from(key).toString('base64');
    expect(parseServerKey(b64)._unsafeUnwrap()).toEqual(key);
    expect(parseServerKey(b64.replace(/=$/, ''))._unsafeUnwrap()).toEqual(key);
    expect(parseServerKey(Buffer.from(key).toString('base64url'))._unsafeUnwrap()).toEqual(key);
  });

  it('reads the mpt-pub: form the other commands print (mpt serve, mpt keygen)', () => {
    expect(parseServerKey(formatPublicKey(key))._unsafeUnwrap()).toEqual(key);
    expect(parseServerKey('mpt-pub:short')._unsafeUnwrapErr()).toMatch(/^--server-key: a public key is 'mpt-pub:' and 43 base64url characters$/);
  });

  it('refuses other lengths and alphabets', () => {
    for (const bad of ['', 'ab'.repeat(31), 'ab'.repeat(33), 'zz'.repeat(32), Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64'), '!'.repeat(44)]) {
      expect(parseServerKey(bad).isErr()).toBe(true);
    }
  });
});
