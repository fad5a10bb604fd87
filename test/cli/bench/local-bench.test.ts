// Local mode's datagram size: Ethernet-sized unless a path's mtu asks for more.
import { describe, expect, it } from 'vitest';
import { localDatagramLimit } from '../../../src/cli/bench/local-bench.js';
import { parsePathSpec } from '../../../src/cli/path-spec.js';

const spec = (text: string) => parsePathSpec(text)._unsafeUnwrap();

describe('localDatagramLimit', () => {
  it('is 1452 bytes unless a SPEC has a larger mtu', () => {
    expect(localDatagramLimit([spec('127.0.0.1'), spec('127.0.0.2,delay=5ms')])).toBe(1452);
    expect(localDatagramLimit([spec('127.0.0.1,mtu=1300')])).toBe(1452);
    expect(localDatagramLimit([spec('127.0.0.1,mtu=1300'), spec('127.0.0.2,mtu=9000')])).toBe(9000);
  });
});
