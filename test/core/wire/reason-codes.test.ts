import { describe, expect, it } from 'vitest';
import { ReasonCode, decodeFrame, encodeFrame, frameLength, isKnownReasonCode, reasonCodeName } from '../../../src/core/wire/index.js';

describe('reason codes', () => {
  it('covers the RFC 8684 §3.6 reset reasons, shifted by one, after NoError', () => {
    expect([
      ReasonCode.NoError,
      ReasonCode.Unspecified,
      ReasonCode.ProtocolError,
      ReasonCode.LackOfResources,
      ReasonCode.AdministrativelyProhibited,
      ReasonCode.TooMuchOutstandingData,
      ReasonCode.UnacceptablePerformance,
      ReasonCode.MiddleboxInterference,
    ]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('has distinct values and names them back', () => {
    const values = Object.values(ReasonCode);
    expect(new Set(values).size).toBe(values.length);
    for (const [name, code] of Object.entries(ReasonCode)) expect(reasonCodeName(code)).toBe(name);
  });

  it('carries unknown codes as numbers and shows them as Unspecified', () => {
    const frame = { type: 'pathAbandon' as const, pathId: 1, reasonCode: 0x4242 };
    const buf = new Uint8Array(frameLength(frame));
    encodeFrame(buf, 0, frame);
    expect(decodeFrame(buf, 0)._unsafeUnwrap().frame).toEqual(frame);
    expect(isKnownReasonCode(0x4242)).toBe(false);
    expect(reasonCodeName(0x4242)).toBe('Unspecified');
  });
});
