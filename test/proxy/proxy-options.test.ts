// createProxy()'s options: checked at once, each problem an ERR_MPT_INVALID_CONFIG naming the option;
// and docs/options.md lists exactly the keys the code takes and refuses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MptErrorCode } from '../../src/errors.js';
import { PROXY_OPTIONS, PROXY_REFUSED, validateProxyOptions, type ProxyOptions } from '../../src/proxy/proxy-options.js';

const invalid = (options: unknown, pattern: RegExp): void => {
  let error: unknown;
  try {
    validateProxyOptions(options);
  } catch (e) {
    error = e;
  }
  expect(error, JSON.stringify(options)).toMatchObject({ code: MptErrorCode.InvalidConfig });
  expect((error as Error).message).toMatch(/^createProxy\(\): /);
  expect((error as Error).message).toMatch(pattern);
};

const converter = { host: '127.0.0.1', port: 4433 };

describe('validateProxyOptions', () => {
  it('fails at once with ERR_MPT_INVALID_CONFIG naming the option', () => {
    invalid(undefined, /converter/);
    invalid([], /the options must be an object/);
    invalid({}, /converter is required/);
    invalid({ converter: { host: '127.0.0.1' } }, /converter\.port is required/);
    invalid({ converter: 'h:1' }, /converter must be an object/);
    invalid({ converter: { host: '', port: 1 } }, /converter\.host must be a non-empty string/);
    invalid({ converter: { host: 'h', port: 70_000 } }, /converter\.port must be an integer from 1 to 65535/);
    invalid({ converter: { host: 'h', port: 1, extra: 1 } }, /unknown option converter\.extra/);
    invalid({ converter, auth: { username: 'a:b', password: 'p' } }, /auth\.username must not contain ':'/);
    invalid({ converter, auth: { username: 'u', password: '' } }, /auth\.password must be a string of 1 to 255 bytes/);
    invalid({ converter, auth: { username: 'u' } }, /auth\.password is required/);
    invalid({ converter, auth: { username: 'é'.repeat(128), password: 'p' } }, /auth\.username must be a string of 1 to 255 bytes/);
    invalid({ convertor: converter }, /converter is required/);
    invalid({ converter, convertr: 1 }, /unknown option convertr \(did you mean converter\?\)/);
    invalid({ converter, host: 'x' }, /option host is not supported/);
    invalid({ converter, port: 1 }, /option port is not supported/);
    invalid({ converter, earlyData: new Uint8Array(1) }, /option earlyData is not supported/);
    invalid({ converter, signal: new AbortController().signal }, /option signal is not supported/);
    invalid({ converter, allowHalfOpen: false }, /option allowHalfOpen is not supported/);
    // The options of connect() are checked as connect() checks them, transport settings together.
    invalid({ converter, idleTimeoutMs: -1 }, /idleTimeoutMs/);
    invalid({ converter, initialWindowBytes: 8 * 1024 * 1024, maxWindowBytes: 1024 * 1024 }, /maxWindowBytes/);
    invalid({ converter, serverKey: new Uint8Array(3) }, /serverKey must be a Uint8Array of 32 bytes/);
    invalid({ converter, localAddresses: ['nope'] }, /localAddresses\[0\] must be an IP address/);
    invalid({ converter, localAddress: '127.0.0.1', localAddresses: ['127.0.0.1'] }, /localAddress or localAddresses, not both/);
  });

  it('takes the converter, auth, and the options of connect()', () => {
    const options: ProxyOptions = {
      converter: { host: 'converter.example', port: 4433 },
      auth: { username: 'alice', password: 'with:colon and spaces' },
      serverKey: new Uint8Array(32),
      connectTimeout: 5000,
      localAddresses: ['127.0.0.1', '127.0.0.2'],
      extraRemotes: [{ host: '127.0.0.1', port: 5000 }],
      maxPaths: 3,
      idleTimeoutMs: undefined,
    };
    expect(() => validateProxyOptions(options)).not.toThrow();
  });
});

describe('docs/options.md, "createProxy()"', () => {
  /** The option rows of the section, and those under its "does not support" heading. */
  function section(): { accepted: string[]; refused: string[] } {
    const accepted: string[] = [];
    const refused: string[] = [];
    let inside = false;
    let refusing = false;
    for (const line of readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8').split('\n')) {
      if (line.startsWith('## ')) {
        inside = line.trim() === '## createProxy()';
        refusing = false;
      } else if (inside && line.startsWith('### ')) refusing = line.includes('does not support');
      else if (inside) {
        const row = /^\| `([^`']+)` \|/.exec(line);
        if (row !== null) (refusing ? refused : accepted).push(row[1] as string);
      }
    }
    return { accepted, refused };
  }

  it('lists exactly the keys createProxy() adds and the connect() keys it refuses', () => {
    const { accepted, refused } = section();
    expect(accepted.sort()).toEqual(Object.keys(PROXY_OPTIONS).sort());
    expect(refused.sort()).toEqual(Object.keys(PROXY_REFUSED).sort());
  });
});
