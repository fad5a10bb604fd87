// --server-key: a 32-byte key as hex or base64/base64url, nothing else.
import { describe, expect, it } from 'vitest';
import { formatKey, parseServerKey } from '../../../src/cli/bench/server-key.js';

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

  it('refuses other lengths and alphabets', () => {
    for (const bad of ['', 'ab'.repeat(31), 'ab'.repeat(33), 'zz'.repeat(32), Buffer.alloc(31).toString('base64'), Buffer.alloc(33).toString('base64'), '!'.repeat(44)]) {
      expect(parseServerKey(bad).isErr()).toBe(true);
    }
  });
});
