// docs/options.md lists exactly the keys each API accepts (and those of node:net it refuses), as the table
// the code checks options against (src/node/option-keys.ts, src/path-managers/check-config.ts) says.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DEFAULT_TRANSPORT_CONFIG } from '../../src/core/config.js';
import {
  CONNECT_OPTIONS,
  CONNECT_UNSUPPORTED,
  LISTEN_OPTIONS,
  LISTEN_UNSUPPORTED,
  SERVER_OPTIONS,
  SERVER_UNSUPPORTED,
  SOCKET_OPTIONS,
  SOCKET_UNSUPPORTED,
} from '../../src/node/option-keys.js';
import { BACKUP_OPTIONS, FULLMESH_OPTIONS, POLICY_OPTIONS } from '../../src/path-managers/check-config.js';

/** Per `## ` section of docs/options.md: the keys of its option rows, and those under a "does not support" heading. */
function sections(): Map<string, { accepted: Set<string>; refused: Set<string> }> {
  const out = new Map<string, { accepted: Set<string>; refused: Set<string> }>();
  let current: { accepted: Set<string>; refused: Set<string> } | undefined;
  let refusing = false;
  for (const line of readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8').split('\n')) {
    if (line.startsWith('## ')) {
      current = { accepted: new Set(), refused: new Set() };
      out.set(line.slice(3).trim(), current);
      refusing = false;
    } else if (line.startsWith('### ')) {
      refusing = line.includes('does not support');
    } else if (current !== undefined) {
      const row = /^\| `([^`']+)` \|/.exec(line);
      if (row !== null) (refusing ? current.refused : current.accepted).add(row[1] as string);
    }
  }
  return out;
}

const sorted = (keys: Iterable<string>): string[] => [...keys].sort();

describe('docs/options.md and the option tables agree', () => {
  const docs = sections();
  const section = (name: string): { accepted: Set<string>; refused: Set<string> } => {
    const s = docs.get(name);
    if (s === undefined) throw new Error(`docs/options.md has no section "## ${name}"`);
    return s;
  };
  const shared = section('Shared by connect() and createServer()').accepted;

  test('the shared section: every transport setting and pathManager', () => {
    expect(sorted(shared)).toEqual(sorted([...Object.keys(DEFAULT_TRANSPORT_CONFIG), 'pathManager']));
  });

  test('connect()', () => {
    const s = section('connect() and socket.connect()');
    expect(sorted([...s.accepted, ...shared])).toEqual(sorted(Object.keys(CONNECT_OPTIONS)));
    expect(sorted(s.refused)).toEqual(sorted(Object.keys(CONNECT_UNSUPPORTED)));
  });

  test('createServer()', () => {
    const s = section('createServer()');
    expect(sorted([...s.accepted, ...shared])).toEqual(sorted(Object.keys(SERVER_OPTIONS)));
    expect(sorted(s.refused)).toEqual(sorted(Object.keys(SERVER_UNSUPPORTED)));
  });

  test('server.listen()', () => {
    const s = section('server.listen()');
    expect(sorted(s.accepted)).toEqual(sorted(Object.keys(LISTEN_OPTIONS)));
    expect(sorted(s.refused)).toEqual(sorted(Object.keys(LISTEN_UNSUPPORTED)));
  });

  test('new MptSocket()', () => {
    const s = section('new MptSocket()');
    expect(sorted(s.accepted)).toEqual(sorted(Object.keys(SOCKET_OPTIONS)));
    expect(sorted(s.refused)).toEqual(sorted(Object.keys(SOCKET_UNSUPPORTED)));
  });

  test('the built-in path managers', () => {
    expect(sorted(section('fullmesh()').accepted)).toEqual(sorted(Object.keys(FULLMESH_OPTIONS)));
    expect(sorted(section('backup()').accepted)).toEqual(sorted(Object.keys(BACKUP_OPTIONS)));
    expect(sorted(section('policy()').accepted)).toEqual(sorted(Object.keys(POLICY_OPTIONS)));
  });
});
