import { join } from 'node:path';
import { generateKeyPair } from '../../crypto/x25519.js';
import { parseCommandArgs, printUsage, runGuarded } from '../args.js';
import { configDir, ensureConfigDir } from '../config-dir.js';
import { formatPublicKey, writeKeyPairFiles } from '../key-files.js';

/**
 * `mpt keygen [-o FILE] [--force]`: a new key pair in FILE (private, mode 0600) and FILE.pub; prints the public key.
 * @module
 */

const SPEC = {
  name: 'keygen',
  usage: `usage: mpt keygen [-o FILE] [--force]

Makes a new X25519 key pair: the private key goes to FILE (created with mode 0600), the public key
to FILE.pub, and the public key (mpt-pub:...) is printed on stdout. Servers take FILE with --key;
clients use it with --key, and <config dir>/id by default.

options:
  -o, --out FILE   where to write the private key; default <config dir>/id (the config dir is
                   $MPT_CONFIG_DIR, else $XDG_CONFIG_HOME/mpt, else ~/.config/mpt; %APPDATA%\\mpt on Windows)
  --force          replace FILE and FILE.pub if they exist (default: refuse)
  -h, --help       this help
`,
  options: {
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
  },
} as const;

/** `mpt keygen` with the arguments after its name; resolves with the exit code (see args.ts). */
export function runKeygenCommand(argv: readonly string[]): Promise<number> {
  return runGuarded('keygen', () => keygen(argv));
}

async function keygen(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(SPEC, argv);
  if (args.help) return printUsage(SPEC);
  const file = args.values.out ?? join(ensureConfigDir(configDir()), 'id');
  const keyPair = generateKeyPair();
  writeKeyPairFiles(file, keyPair, args.values.force === true);
  process.stderr.write(`mpt keygen: wrote the private key to ${file} and the public key to ${file}.pub\n`);
  process.stdout.write(`${formatPublicKey(keyPair.publicKey)}\n`);
  return 0;
}
