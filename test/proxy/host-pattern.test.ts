// Host-name patterns: exact names and '*.' wildcards, case and trailing dot ignored.
import { describe, expect, test } from 'vitest';
import { hostPatternMatches, parseHostPattern, type HostPattern } from '../../src/proxy/host-pattern.js';

const pattern = (text: string): HostPattern => parseHostPattern(text) as HostPattern;

describe('host patterns', () => {
  test('an exact name matches itself only, in any case, with or without the trailing dot', () => {
    const p = pattern('Example.COM.');
    expect(hostPatternMatches(p, 'example.com')).toBe(true);
    expect(hostPatternMatches(p, 'EXAMPLE.com.')).toBe(true);
    expect(hostPatternMatches(p, 'www.example.com')).toBe(false);
    expect(hostPatternMatches(p, 'badexample.com')).toBe(false);
  });

  test("'*.' matches every name under the domain, at any depth, not the domain itself", () => {
    const p = pattern('*.example.com');
    expect(hostPatternMatches(p, 'a.example.com')).toBe(true);
    expect(hostPatternMatches(p, 'a.b.example.com')).toBe(true);
    expect(hostPatternMatches(p, 'example.com')).toBe(false);
    expect(hostPatternMatches(p, 'badexample.com')).toBe(false);
  });

  test('what is not a host name is refused', () => {
    for (const bad of ['', '*', '*.', 'a..b', 'a b', '-a.com', 'a-.com', 'ex*ample.com', '*.*.com', `${'a'.repeat(64)}.com`]) {
      expect(parseHostPattern(bad), bad).toBeUndefined();
    }
  });
});
