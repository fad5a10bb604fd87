// The known-hosts file (src/cli/known-hosts.ts).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPublicKey } from '../../src/cli/key-files.js';
import { findKnownHost, knownHostName, knownHostsPath, parseKnownHosts, readKnownHosts, rememberHost } from '../../src/cli/known-hosts.js';
import { generateKeyPair } from '../../src/crypto/x25519.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mpt-known-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('known hosts', () => {
  it('names a server as host:port in lower case, IPv6 in brackets', () => {
    expect(knownHostName({ host: 'Example.ORG', port: 4433 })).toBe('example.org:4433');
    expect(knownHostName({ host: '::1', port: 1 })).toBe('[::1]:1');
  });

  it('reads entries with their line numbers, skips blanks and comments, reports other lines', () => {
    const a = generateKeyPair().publicKey;
    const b = generateKeyPair().publicKey;
    const text = `# servers\n\nexample.org:4433 ${formatPublicKey(a)}\nbroken line\n[::1]:9 ${formatPublicKey(b)}\nnoport ${formatPublicKey(b)}\nexample.org:4433 ${formatPublicKey(b)}\n`;
    const hosts = parseKnownHosts(text);
    expect(hosts.malformed).toEqual([4, 6]);
    expect(hosts.entries.map((e) => [e.name, e.line])).toEqual([
      ['example.org:4433', 3],
      ['[::1]:9', 5],
      ['example.org:4433', 7],
    ]);
    // The first line for a server is the one used.
    expect(findKnownHost(hosts, 'EXAMPLE.org:4433')?.key).toEqual(a);
    expect(findKnownHost(hosts, 'example.org:4434')).toBeUndefined();
  });

  it('appends a server, creating the file, and says on which line', () => {
    const file = knownHostsPath(join(dir, 'new-config'));
    expect(readKnownHosts(file)).toEqual({ entries: [], malformed: [] });
    const a = generateKeyPair().publicKey;
    expect(rememberHost(file, '127.0.0.1:4433', a)).toBe(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new-config')).mode & 0o777).toBe(0o700);
    // A file whose last line has no newline (edited by hand) gets one first.
    writeFileSync(file, `${readFileSync(file, 'utf8')}# by hand`);
    expect(rememberHost(file, '[::1]:4433', a)).toBe(3);
    const hosts = readKnownHosts(file);
    expect(hosts.entries.map((e) => [e.name, e.line])).toEqual([
      ['127.0.0.1:4433', 1],
      ['[::1]:4433', 3],
    ]);
    expect(hosts.malformed).toEqual([]);
  });
});
