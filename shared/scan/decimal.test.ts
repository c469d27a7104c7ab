import { describe, expect, it } from 'vitest';
import { differsBy, percentChange, priceDifference } from './decimal.js';

describe('decimal price arithmetic', () => {
  it('gives exactly 2 % for a move from 10.00 to 10.20, where naive floating point gives 1.999…', () => {
    expect(((10.2 - 10) / 10) * 100).toBeLessThan(2);
    expect(percentChange(10.2, 10)).toBe(2);
  });

  it('gives exact differences of decimal prices', () => {
    expect(priceDifference(10.2, 10)).toBe(0.2);
    expect(priceDifference(0.4372, 0.29)).toBe(0.1472);
  });

  it('returns NaN (null) for a missing value or a non-positive base', () => {
    expect(percentChange(NaN, 10)).toBeNaN();
    expect(percentChange(10, NaN)).toBeNaN();
    expect(percentChange(10, 0)).toBeNaN();
    expect(percentChange(10, -1)).toBeNaN();
  });

  it('does not count a one-cent move as more than a cent, whatever the floating-point noise', () => {
    expect(Math.abs(1.01 - 1.0)).toBeGreaterThan(0.01);
    expect(differsBy(1.01, 1.0, 0.01)).toBe(false);
    expect(differsBy(1.02, 1.0, 0.01)).toBe(true);
    expect(differsBy(1000, 0, 1000)).toBe(false);
    expect(differsBy(1001, 0, 1000)).toBe(true);
  });
});
