import { describe, expect, it } from 'vitest';
import { tickerMetadataSchema } from '../replay/inputs.js';
import { normalAt, uniformAt } from './random.js';
import { buildUniverse, DEFAULT_UNIVERSE_SIZE, universeMetadata } from './universe.js';

const universe = buildUniverse(42);
const { tickers } = universe;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('simulated universe', () => {
  it('lists 12,000 tickers with unique, realistic-looking symbols by default', () => {
    expect(tickers).toHaveLength(DEFAULT_UNIVERSE_SIZE);
    const symbols = tickers.map((t) => t.symbol);
    expect(new Set(symbols).size).toBe(symbols.length);
    expect(symbols.filter((s) => !/^[A-Z]{1,5}(\.[AB])?$/.test(s))).toEqual([]);
    const lengths = new Set(symbols.map((s) => s.replace(/\..*/, '').length));
    expect([...lengths].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(symbols.some((s) => s.endsWith('.A') || s.endsWith('.B'))).toBe(true);
    expect(tickers.every((t) => universe.indexBySymbol.get(t.symbol) === t.index)).toBe(true);
  });

  it('has a realistic cross-section: $0.50–$1,000 log-normal prices, heavy-tailed volumes, ~8 % ETFs, several venues', () => {
    const prices = tickers.map((t) => t.price);
    expect(Math.min(...prices)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...prices)).toBeLessThanOrEqual(1000);
    expect(median(prices)).toBeGreaterThan(10);
    expect(median(prices)).toBeLessThan(40);
    expect(prices.filter((p) => p < 1).length).toBeGreaterThan(50);
    expect(prices.filter((p) => p > 300).length).toBeGreaterThan(50);
    const volumes = tickers.map((t) => t.avgVolume);
    expect(Math.max(...volumes) / median(volumes)).toBeGreaterThan(100);
    const etfShare = tickers.filter((t) => t.isEtf).length / tickers.length;
    expect(etfShare).toBeGreaterThan(0.07);
    expect(etfShare).toBeLessThan(0.09);
    const exchanges = new Set(tickers.map((t) => t.exchange));
    for (const x of ['XNAS', 'XNYS', 'ARCX', 'BATS', 'XASE']) expect(exchanges).toContain(x);
    expect(new Set(tickers.map((t) => t.sector)).size).toBeGreaterThanOrEqual(11);
    // Small companies move more than large ones.
    const vol = (f: (cap: number) => boolean) =>
      median(tickers.filter((t) => !t.isEtf && f(t.price * t.sharesOutstanding!)).map((t) => t.dailyVol));
    expect(vol((cap) => cap < 300e6)).toBeGreaterThan(vol((cap) => cap > 10e9));
  });

  it('produces metadata rows the replay tool accepts, with fund-style nulls for ETFs', () => {
    const metadata = universeMetadata(universe, 42);
    expect(metadata).toHaveLength(tickers.length);
    for (const m of metadata.slice(0, 500)) tickerMetadataSchema.parse(m);
    for (const m of metadata.filter((x) => x.isEtf).slice(0, 50)) {
      expect([m.sector, m.floatShares, m.marketCap]).toEqual([null, null, null]);
      expect(m.companyName).toMatch(/ ETF$/);
    }
    for (const m of metadata.filter((x) => !x.isEtf).slice(0, 500)) {
      expect(m.marketCap).toBeGreaterThan(0);
      expect(m.floatShares).toBeLessThanOrEqual(m.sharesOutstanding!);
      expect(m.avgVolume30d).toBeGreaterThan(0);
    }
  });

  it('is a prefix of any larger universe with the same seed, and different for another seed', () => {
    const small = buildUniverse(42, 100);
    expect(small.tickers).toEqual(tickers.slice(0, 100));
    expect(buildUniverse(43, 100).tickers.map((t) => t.symbol)).not.toEqual(
      small.tickers.map((t) => t.symbol),
    );
  });
});

describe('counter-based randomness', () => {
  it('draws standard normals and uniforms that depend only on (key, counter)', () => {
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let below = 0;
    for (let k = 0; k < n; k++) {
      const z = normalAt(1234, k);
      sum += z;
      sumSq += z * z;
      if (uniformAt(99, k) < 0.25) below++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.02);
    expect(Math.abs(below / n - 0.25)).toBeLessThan(0.01);
    expect(normalAt(1234, 77)).toBe(normalAt(1234, 77));
    expect(normalAt(1234, 77)).not.toBe(normalAt(1235, 77));
  });
});
