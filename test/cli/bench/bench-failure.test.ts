// Failures become one line: the message, then the code (or the error's name) in parentheses.
import { describe, expect, it } from 'vitest';
import { BenchFailure, describeFailure } from '../../../src/cli/bench/bench-failure.js';
import { MptError, MptErrorCode } from '../../../src/index.js';

describe('describeFailure', () => {
  it('puts the code after the message, on one line', () => {
    expect(describeFailure(new MptError(MptErrorCode.ConnectTimeout, 'no answer\n  from the server'))).toBe('no answer from the server (ERR_MPT_CONNECT_TIMEOUT)');
    expect(describeFailure(new BenchFailure('cannot bind 127.0.0.9', 'EADDRNOTAVAIL'))).toBe('cannot bind 127.0.0.9 (EADDRNOTAVAIL)');
  });

  it('falls back on the name, and copes with values that are not errors', () => {
    expect(describeFailure(new RangeError('bad'))).toBe('bad (RangeError)');
    expect(describeFailure('plain text')).toBe('plain text (Error)');
    expect(describeFailure(null)).toBe('null (Error)');
  });
});
