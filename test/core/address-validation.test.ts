// Unit tests of AddressValidation (src/core/address-validation.ts): an unvalidated address gets at
// most three times the bytes it sent us; the account counts only while unvalidated; restart() opens a
// fresh account at a new address.
import { describe, expect, test } from 'vitest';
import { AddressValidation, AMPLIFICATION_FACTOR } from '../../src/core/address-validation.js';

describe('AddressValidation', () => {
  test('the factor is 3 (RFC 9000 §8.1)', () => {
    expect(AMPLIFICATION_FACTOR).toBe(3);
  });

  test('unvalidated: nothing may go before anything arrived', () => {
    const v = new AddressValidation(false);
    expect(v.validated).toBe(false);
    expect(v.budget).toBe(0);
    expect(v.mayAmplify(1)).toBe(false);
    expect(v.mayAmplify(0)).toBe(true);
  });

  test('unvalidated: three times what arrived, less what was sent', () => {
    const v = new AddressValidation(false);
    v.noteReceived(1200);
    expect(v.budget).toBe(3600);
    expect(v.mayAmplify(3600)).toBe(true);
    expect(v.mayAmplify(3601)).toBe(false);
    v.noteSent(1200);
    expect(v.budget).toBe(2400);
    expect(v.mayAmplify(2400)).toBe(true);
    expect(v.mayAmplify(2401)).toBe(false);
    v.noteReceived(100);
    expect(v.budget).toBe(2700);
    v.noteSent(2700);
    expect(v.budget).toBe(0);
    expect(v.mayAmplify(1)).toBe(false);
  });

  test('validated: unlimited, and nothing is counted while validated', () => {
    const v = new AddressValidation(true);
    expect(v.budget).toBe(Number.POSITIVE_INFINITY);
    expect(v.mayAmplify(1e9)).toBe(true);
    v.noteReceived(1000);
    v.noteSent(50);
    // Had either counted, the budget would not be 0 once the address is unvalidated again.
    v.validated = false;
    expect(v.budget).toBe(0);
    expect(v.mayAmplify(1)).toBe(false);
  });

  test('the account stops when the address is validated part-way', () => {
    const v = new AddressValidation(false);
    v.noteReceived(100);
    v.noteSent(200);
    v.validated = true;
    v.noteReceived(10_000);
    v.noteSent(5);
    v.validated = false;
    expect(v.budget).toBe(100);
  });

  test('restart(): unvalidated again, the new address credited with the bytes it sent, nothing sent yet', () => {
    const v = new AddressValidation(true);
    v.restart(400);
    expect(v.validated).toBe(false);
    expect(v.budget).toBe(1200);
    v.noteSent(1000);
    expect(v.budget).toBe(200);
    // Another move wipes what was sent to the last address.
    v.restart(10);
    expect(v.budget).toBe(30);
    expect(v.mayAmplify(30)).toBe(true);
    expect(v.mayAmplify(31)).toBe(false);
  });
});
