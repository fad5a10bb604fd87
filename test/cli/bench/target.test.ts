// HOST:PORT of remote mode, and its printed form.
import { describe, expect, it } from 'vitest';
import { formatTarget, parseTarget } from '../../../src/cli/bench/target.js';

describe('parseTarget', () => {
  it('reads a name, an IPv4 address or a bracketed IPv6 address, and a port', () => {
    expect(parseTarget('bench.example:4433')._unsafeUnwrap()).toEqual({ host: 'bench.example', port: 4433 });
    expect(parseTarget('192.0.2.1:65535')._unsafeUnwrap()).toEqual({ host: '192.0.2.1', port: 65535 });
    expect(parseTarget('[2001:db8::1]:1')._unsafeUnwrap()).toEqual({ host: '2001:db8::1', port: 1 });
  });

  it('prints it back, IPv6 in brackets', () => {
    for (const text of ['bench.example:4433', '[2001:db8::1]:1']) expect(formatTarget(parseTarget(text)._unsafeUnwrap())).toBe(text);
  });

  it('refuses what is not HOST:PORT', () => {
    for (const bad of ['host', 'host:', 'host:65536', 'host:-1', '2001:db8::1:80', '[::1]', '[host]:80', ':80']) {
      expect(parseTarget(bad).isErr()).toBe(true);
    }
  });
});
