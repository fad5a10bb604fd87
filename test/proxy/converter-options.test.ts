// createConverter()'s options: every key checked at once (ERR_MPT_INVALID_CONFIG naming it), who may
// connect must be said, and docs/options.md lists exactly the converter's and openTunnel()'s own keys.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createConverter, generateKeyPair, MptErrorCode, type ConverterOptions, type MptConnectOptions, type TunnelOptions } from '../../src/index.js';
import { CONVERTER_OPTIONS, CONVERTER_OWN_OPTIONS } from '../../src/proxy/converter-options.js';
import { SERVER_OPTIONS } from '../../src/node/option-keys.js';

const key = generateKeyPair().publicKey;

function expectInvalid(options: unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    createConverter(options as ConverterOptions);
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: MptErrorCode.InvalidConfig });
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe('createConverter() options', () => {
  test('without clientKeys, psk or allowAnyClient: true it throws, naming clientKeys', () => {
    expectInvalid({}, 'clientKeys', 'psk', 'allowAnyClient');
    expectInvalid(undefined, 'clientKeys');
    expectInvalid({ allowAnyClient: false }, 'clientKeys');
    expectInvalid({ verifyClientKey: () => true }, 'clientKeys');
  });

  test('any one of them is enough', () => {
    expect(createConverter({ clientKeys: [key] }).publicKey).toHaveLength(32);
    expect(createConverter({ clientKeys: [] }).publicKey).toHaveLength(32);
    expect(createConverter({ psk: new Uint8Array(32) }).publicKey).toHaveLength(32);
    expect(createConverter({ allowAnyClient: true }).publicKey).toHaveLength(32);
  });

  test('each bad value is refused, naming the option', () => {
    expectInvalid({ clientKeys: key }, 'clientKeys must be an array');
    expectInvalid({ clientKeys: [new Uint8Array(31)] }, 'clientKeys[0]');
    expectInvalid({ allowAnyClient: 'yes' }, 'allowAnyClient');
    expectInvalid({ clientKeys: [key], allow: '10.0.0.0/8' }, 'allow must be an array');
    expectInvalid({ clientKeys: [key], allow: ['10.0.0.1/8'] }, 'allow[0]');
    expectInvalid({ clientKeys: [key], deny: ['ok.example', 'bad example'] }, 'deny[1]');
    expectInvalid({ clientKeys: [key], connectTimeout: 0 }, 'connectTimeout');
    expectInvalid({ clientKeys: [key], requestTimeout: -1 }, 'requestTimeout');
    expectInvalid({ clientKeys: [key], lookup: 'dns' }, 'lookup');
    expectInvalid({ clientKeys: [key], allowHalfOpen: false }, 'allowHalfOpen');
    expectInvalid({ clientKeys: [key], pauseOnConnect: true }, 'pauseOnConnect');
    expectInvalid({ clientKeys: [key], idleTimeoutMs: -5 }, 'idleTimeoutMs');
    expectInvalid({ clientKeys: [key], clientKey: [key] }, 'did you mean clientKeys?');
    expectInvalid({ clientKeys: [key], blockList: {} }, 'blockList');
  });

  test('the server options pass through: keyPair is the converter key', () => {
    const keyPair = generateKeyPair();
    const converter = createConverter({ clientKeys: [key], keyPair, idleTimeoutMs: 5000, allowHalfOpen: true });
    expect(converter.publicKey).toEqual(keyPair.publicKey);
    expect(converter.server.publicKey).toEqual(keyPair.publicKey);
  });

  test('the table holds every createServer() option and the converter\'s own', () => {
    expect(Object.keys(CONVERTER_OPTIONS).sort()).toEqual([...Object.keys(SERVER_OPTIONS), ...Object.keys(CONVERTER_OWN_OPTIONS)].sort());
  });
});

describe('docs/options.md', () => {
  /** The option rows of a `## ` section, split at its "does not support" sub-heading. */
  function section(name: string): { accepted: string[]; refused: string[] } {
    const out = { accepted: [] as string[], refused: [] as string[] };
    let inside = false;
    let refusing = false;
    for (const line of readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8').split('\n')) {
      if (line.startsWith('## ')) {
        inside = line.slice(3).trim() === name;
        refusing = false;
      } else if (inside && line.startsWith('### ')) refusing = line.includes('does not support');
      else if (inside) {
        const row = /^\| `([^`']+)` \|/.exec(line);
        if (row !== null) (refusing ? out.refused : out.accepted).push(row[1] as string);
      }
    }
    return out;
  }

  test('createConverter() lists exactly the converter\'s own options', () => {
    expect(section('createConverter()').accepted.sort()).toEqual(Object.keys(CONVERTER_OWN_OPTIONS).sort());
  });

  test("openTunnel() lists its own options (those TunnelOptions adds to connect()'s), and refuses earlyData", () => {
    // A key added to TunnelOptions and not here is a compile error.
    const own: Record<Exclude<keyof TunnelOptions, keyof MptConnectOptions>, true> = { destination: true, replyTimeout: true };
    expect(section('openTunnel()')).toEqual({ accepted: Object.keys(own), refused: ['earlyData'] });
  });
});
