import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  differsBy,
  micros,
  percentChange,
  percentChangeFromMicros,
  priceDifference,
  rangePercent,
  spreadPercent,
} from './decimal.js';

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

  it('gives percentChange exactly when the price is scaled to micro-dollars once beforehand', () => {
    const price = fc.oneof(
      fc.integer({ min: 0, max: 9e10 }).map((m) => m / 1e6),
      fc.integer({ min: 1, max: 1e7 }).map((c) => c / 100),
      fc.constantFrom(NaN, 0, -1),
    );
    fc.assert(
      fc.property(price, price, (a, b) => {
        expect(percentChangeFromMicros(micros(a), b)).toBe(percentChange(a, b));
      }),
      { numRuns: 5000 },
    );
  });

  it('places a price in its range and measures a spread exactly, where naive floating point misses', () => {
    expect(((1.15 - 1.1) / (1.2 - 1.1)) * 100).not.toBe(50);
    expect(rangePercent(micros(1.15), 1.1, 1.2)).toBe(50);
    expect(((10.01 - 9.99) / ((10.01 + 9.99) / 2)) * 100).not.toBe(0.2);
    expect(spreadPercent(9.99, 10.01)).toBe(0.2);
  });

  it('returns NaN (null) for a missing input, an empty range and a quote side that is not > 0', () => {
    expect(rangePercent(micros(10), 10, 10)).toBeNaN();
    expect(rangePercent(micros(10), NaN, 11)).toBeNaN();
    expect(rangePercent(micros(10), 9, NaN)).toBeNaN();
    expect(rangePercent(NaN, 9, 11)).toBeNaN();
    expect(spreadPercent(0, 10)).toBeNaN();
    expect(spreadPercent(10, NaN)).toBeNaN();
  });
});
