/**
 * Exact decimal arithmetic for prices.
 *
 * Why: prices arrive as decimals (10.2, 0.4372) that binary floating point cannot hold exactly, so the naive
 * (10.2 − 10) / 10 × 100 gives 1.999999999999993 and a stock up exactly 2 % would miss `gappers_up`
 * (changePercent ≥ 2). Scaling both prices to integer micro-dollars first makes the difference exact and
 * the percentage the correctly rounded value of the true decimal quotient: exactly 2 here.
 *
 * Limits: vendor prices carry at most 4 decimals (6 are kept); a price up to 9 × 10^7 dollars keeps
 * (a − b) × 100 below 2^53, where integer doubles are exact.
 */
const SCALE = 1e6;

/** (a − b) / b × 100, exact for decimal prices; NaN when an input is missing or b ≤ 0. */
export function percentChange(a: number, b: number): number {
  if (!(b > 0) || Number.isNaN(a)) return NaN;
  const bi = Math.round(b * SCALE);
  return ((Math.round(a * SCALE) - bi) * 100) / bi;
}

/** A decimal price as an exact integer count of micro-dollars (NaN stays NaN). */
export function micros(price: number): number {
  return Math.round(price * SCALE);
}

/**
 * percentChange(a, b) for an `a` already in micro-dollars: the kernel scales a row's price once and compares it
 * with several bases. The same operations as percentChange, so the same double.
 */
export function percentChangeFromMicros(aMicros: number, b: number): number {
  if (!(b > 0) || Number.isNaN(aMicros)) return NaN;
  const bi = Math.round(b * SCALE);
  return ((aMicros - bi) * 100) / bi;
}

/**
 * (price − low) / (high − low) × 100, exact for decimal prices: numerator and denominator are exact integers,
 * so the one rounding is the division's. NaN when an input is missing or high ≤ low (SPEC §3: high = low).
 */
export function rangePercent(priceMicros: number, low: number, high: number): number {
  const lo = Math.round(low * SCALE);
  const span = Math.round(high * SCALE) - lo;
  if (!(span > 0)) return NaN;
  return ((priceMicros - lo) * 100) / span;
}

/**
 * (ask − bid) / ((ask + bid) / 2) × 100, computed as 200 (ask − bid) / (ask + bid) on exact integers; NaN unless
 * both are > 0. A crossed quote (ask < bid) gives a negative spread, as the formula says.
 */
export function spreadPercent(bid: number, ask: number): number {
  if (!(bid > 0 && ask > 0)) return NaN;
  const b = Math.round(bid * SCALE);
  const a = Math.round(ask * SCALE);
  return ((a - b) * 200) / (a + b);
}

/** a − b, exact for decimal prices (10.2 − 10 = 0.2, not 0.1999999999999993); NaN when missing. */
export function priceDifference(a: number, b: number): number {
  return (Math.round(a * SCALE) - Math.round(b * SCALE)) / SCALE;
}

/** Comparisons of derived values tolerate this much binary noise (one part in 10^9 of the unit). */
const NOISE = 1e9;

/**
 * |a − b| > threshold, where a difference equal to the threshold up to binary noise does not exceed it:
 * 1.01 − 1.00 is 0.010000000000000009 in floating point, yet a one-cent move is not more than a cent.
 */
export function differsBy(a: number, b: number, threshold: number): boolean {
  return Math.round(Math.abs(a - b) * NOISE) > Math.round(threshold * NOISE);
}
