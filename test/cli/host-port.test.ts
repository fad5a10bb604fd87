// HOST:PORT arguments (src/cli/host-port.ts).
import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort, parsePort } from '../../src/cli/host-port.js';

const value = (text: string, rules?: Parameters<typeof parseHostPort>[1]) => parseHostPort(text, rules)._unsafeUnwrap();
const error = (text: string, rules?: Parameters<typeof parseHostPort>[1]) => parseHostPort(text, rules)._unsafeUnwrapErr();

describe('parseHostPort', () => {
  it('reads names, IPv4 and bracketed IPv6 with a port', () => {
    expect(value('example.org:4433')).toEqual({ host: 'example.org', port: 4433 });
    expect(value('127.0.0.1:1')).toEqual({ host: '127.0.0.1', port: 1 });
    expect(value('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
    expect(value('[fe80::1%eth0]:9')).toEqual({ host: 'fe80::1%eth0', port: 9 });
  });

  it('takes the default port where one is given, and a bare IPv6 address as a whole', () => {
    const rules = { defaultPort: 4433, allowPortZero: true };
    expect(value('127.0.0.2', rules)).toEqual({ host: '127.0.0.2', port: 4433 });
    expect(value('::1', rules)).toEqual({ host: '::1', port: 4433 });
    expect(value('[::1]', rules)).toEqual({ host: '::1', port: 4433 });
    expect(value('127.0.0.1:0', rules)).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('says what is wrong', () => {
    expect(error('example.org')).toMatch(/has no port/);
    expect(error('::1')).toMatch(/has no port/);
    expect(error('127.0.0.1:0')).toMatch(/port 0/);
    expect(error('127.0.0.1:65536')).toMatch(/above 65535/);
    expect(error('127.0.0.1:x')).toMatch(/not a port number/);
    expect(error('[::1]4433')).toMatch(/after the '\]'/);
    expect(error('[::1:4433')).toMatch(/lacks the '\]'/);
    expect(error('[127.0.0.1]:4')).toMatch(/not an IPv6 address/);
    expect(error('fe80::1:zz:4433')).toMatch(/\[ADDRESS\]:PORT/);
    expect(error(':4433')).toMatch(/has no host/);
    expect(error('a/b:4433')).toMatch(/not a host name/);
    expect(parsePort('-1').isErr()).toBe(true);
  });

  it('formats back what it reads', () => {
    for (const text of ['example.org:4433', '127.0.0.1:1', '[::1]:65535']) expect(formatHostPort(value(text))).toBe(text);
  });
});
