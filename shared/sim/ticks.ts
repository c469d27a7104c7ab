/**
 * Price grid of US equities (Reg NMS): sub-dollar names quote in hundredths of a cent, the rest in cents.
 * Every price the simulator prints goes through here, so bars, trades and quotes sit on the same grid.
 */

const SUB_DOLLAR = 1;
const SUB_DOLLAR_DECIMALS = 4;
const DOLLAR_DECIMALS = 2;
/** VWAPs are averages, not prices: the vendor prints them with four decimals. */
const VWAP_DECIMALS = 4;

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function tickSize(price: number): number {
  return price < SUB_DOLLAR ? 10 ** -SUB_DOLLAR_DECIMALS : 10 ** -DOLLAR_DECIMALS;
}

// The two hot roundings use precomputed factors: `10 ** n` per call shows up in a 12,000-ticker profile.
const SUB_DOLLAR_FACTOR = 10 ** SUB_DOLLAR_DECIMALS;
const DOLLAR_FACTOR = 10 ** DOLLAR_DECIMALS;
const VWAP_FACTOR = 10 ** VWAP_DECIMALS;

export function roundPrice(price: number): number {
  return price < SUB_DOLLAR
    ? Math.round(price * SUB_DOLLAR_FACTOR) / SUB_DOLLAR_FACTOR
    : Math.round(price * DOLLAR_FACTOR) / DOLLAR_FACTOR;
}

export function roundVwap(price: number): number {
  return Math.round(price * VWAP_FACTOR) / VWAP_FACTOR;
}
