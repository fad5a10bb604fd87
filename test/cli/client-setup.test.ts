// What connect and send share (src/cli/client-setup.ts): the key they use, the known-hosts file, --local.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { clientSetup } from '../../src/cli/client-setup.js';
import { formatPublicKey, writeKeyPairFiles } from '../../src/cli/key-files.js';
import { generateKeyPair } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mpt-client-setup-'));
const saved = process.env.MPT_CONFIG_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.MPT_CONFIG_DIR;
  else process.env.MPT_CONFIG_DIR = saved;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const target = { host: '127.0.0.1', port: 4433 };

describe('client setup', () => {
  it('uses <config dir>/id when it exists and --key is not given, else a fresh key per connection', () => {
    process.env.MPT_CONFIG_DIR = join(dir, 'empty');
    const none = clientSetup({}, target, () => {});
    expect(none.options.keyPair).toBeUndefined();
    expect(none.trust).toMatchObject({ name: '127.0.0.1:4433', serverKey: undefined, knownHostsFile: join(dir, 'empty', 'known_hosts') });
    const pair = generateKeyPair();
    writeKeyPairFiles(join(dir, 'id'), pair, false);
    process.env.MPT_CONFIG_DIR = dir;
    expect(clientSetup({}, target, () => {}).options.keyPair).toEqual(pair);
    const other = generateKeyPair();
    writeKeyPairFiles(join(dir, 'other'), other, false);
    expect(clientSetup({ key: join(dir, 'other') }, target, () => {}).options.keyPair).toEqual(other);
  });

  it('pins --server-key, drops the known-hosts file on --no-known-hosts, binds --local', () => {
    process.env.MPT_CONFIG_DIR = join(dir, 'empty');
    const key = generateKeyPair().publicKey;
    const setup = clientSetup({ 'server-key': formatPublicKey(key), 'no-known-hosts': true, local: ['127.0.0.1', '::1'] }, { host: '::1', port: 9 }, () => {});
    expect(setup.trust).toMatchObject({ name: '[::1]:9', serverKey: key, knownHostsFile: undefined });
    expect(setup.options).toMatchObject({ host: '::1', port: 9, localAddresses: ['127.0.0.1', '::1'], allowHalfOpen: true });
    expect(() => clientSetup({ local: ['eth0'] }, target, () => {})).toThrow(UsageError);
  });
});
