import { describe, expect, it } from 'vitest';
import type { ScanRow } from '../protocol/messages.js';
import { engine, ny, scanOne, snapshotRow } from '../../test/utils/market.js';
import { decodeSnapshotValue } from '../vendor/snapshot-decoder.js';
import type { ScanEngine } from './engine.js';

/*
 * Hand-computed cases for the fields of SPEC §3 added by issue #10: change1m/5m/15m, volume5m, rangePosition,
 * vwap, priceFromVwap, spreadPercent. Expected percentages are written as ratios of integers (micro-dollars or
 * cents), whose one rounding is the exact decimal result the engine must give.
 */

const MINUTE = 60_000;

/** Applies one aggregate event for ABC observed at `ms`. */
function bar(e: ScanEngine, ms: number, a: { c?: number; av?: number; a?: number }): void {
  e.applyAggregates(ms, [{ sym: 'ABC', ...a }]);
}

function rowAt(e: ScanEngine, ms: number): ScanRow {
  const row = e.scan(ms).ranked.find((r) => r.symbol === 'ABC');
  if (row === undefined) throw new Error('ABC not ranked');
  return row;
}

describe('change1m, change5m, change15m and volume5m (SPEC §3: at or before t − k, not older than t − 2k)', () => {
  it.each([
    ['change1m', 1],
    ['change5m', 5],
    ['change15m', 15],
  ] as const)('%s: null before k minutes of history, then exact at the k and 2k edges', (field, k) => {
    const e = engine();
    const t0 = ny('10:00');
    const K = k * MINUTE;
    bar(e, t0, { c: 10, av: 1000 });
    // t − k is 1 ms before the first observation: none at or before it.
    expect(rowAt(e, t0 + K - 1)[field]).toBeNull();
    // t − k is the first observation's instant: "at or before" includes it. Same price: 0, not null.
    expect(rowAt(e, t0 + K)[field]).toBe(0);
    bar(e, t0 + 1.5 * K, { c: 11, av: 4000 });
    // t − k = t0 + k: the latest observation at or before it is still t0's, exactly t − 2k old: kept.
    expect(rowAt(e, t0 + 2 * K)[field]).toBe(10);
    // 1 ms later t0 is older than t − 2k, and the newer observation (t0 + 1.5k) is after t − k: null.
    expect(rowAt(e, t0 + 2 * K + 1)[field]).toBeNull();
    // From t0 + 2.5k the newer observation is k minutes old: the price has not moved since.
    expect(rowAt(e, t0 + 2.5 * K - 1)[field]).toBeNull();
    expect(rowAt(e, t0 + 2.5 * K)[field]).toBe(0);
  });

  it('volume5m: volume traded since the observation 5 minutes ago, null once that one is older than 10', () => {
    const e = engine();
    const t0 = ny('10:00');
    bar(e, t0, { c: 10, av: 1000 });
    expect(rowAt(e, t0 + 5 * MINUTE - 1).volume5m).toBeNull();
    expect(rowAt(e, t0 + 5 * MINUTE).volume5m).toBe(0);
    bar(e, t0 + 7.5 * MINUTE, { c: 10, av: 4000 });
    expect(rowAt(e, t0 + 10 * MINUTE).volume5m).toBe(3000);
    expect(rowAt(e, t0 + 10 * MINUTE + 1).volume5m).toBeNull();
    // rvolSlot's v₋₅ has no age limit (SPEC §3.1): it still reads t0's volume.
    expect(e.state.cols.num.volumeAgo[e.state.rowFor('ABC')!]).toBe(1000);
    expect(rowAt(e, t0 + 12.5 * MINUTE).volume5m).toBe(0);
  });

  it('compares with the latest observation before the cutoff, not the first or the nearest after it', () => {
    const e = engine();
    bar(e, ny('10:00:00'), { c: 10 });
    bar(e, ny('10:00:30'), { c: 10.2 });
    bar(e, ny('10:00:45'), { c: 12 });
    bar(e, ny('10:01:00'), { c: 10.5 });
    // t − 1 min = 10:00:00 → 10; 10:00:29.999 → still 10; 10:00:30 → 10.2; 10:00:44 → 10.2.
    expect(rowAt(e, ny('10:01:00')).change1m).toBe(5);
    expect(rowAt(e, ny('10:01:29') + 999).change1m).toBe(5);
    expect(rowAt(e, ny('10:01:30')).change1m).toBe(3000 / 1020); // (10.5 − 10.2) / 10.2 × 100
    expect(rowAt(e, ny('10:01:44')).change1m).toBe(3000 / 1020);
    expect(rowAt(e, ny('10:01:45')).change1m).toBe(-150 / 12); // (10.5 − 12) / 12 × 100
  });

  it('is exact in decimal: 0.9345 against 0.89 a minute ago is up exactly 5 %', () => {
    const e = engine();
    bar(e, ny('10:00'), { c: 0.89 });
    bar(e, ny('10:01'), { c: 0.9345 });
    expect(rowAt(e, ny('10:01')).change1m).toBe(5);
  });

  it('takes prices from snapshot observations too, the source of every ticker that is not hot', () => {
    const e = engine();
    scanOne(e, ny('10:00'), [snapshotRow('ABC', { price: 20, volume: 500 })]);
    const { row } = scanOne(e, ny('10:05'), [snapshotRow('ABC', { price: 19, volume: 800 })]);
    expect(row).toMatchObject({ change1m: null, change5m: -5, change15m: null, volume5m: 300 });
  });

  it('forgets yesterday: observations before a New York date change are not looked back at', () => {
    const e = engine();
    bar(e, ny('23:59:50'), { c: 10, av: 100, a: 10 });
    bar(e, ny('00:00:20', '2026-03-03'), { c: 11, av: 50 });
    // Without the day change, t − 1 min = 23:59:50 would find yesterday's 10 (30 s old, fresh).
    expect(rowAt(e, ny('00:00:50', '2026-03-03'))).toMatchObject({
      change1m: null,
      volume5m: null,
      vwap: null,
      priceFromVwap: null,
    });
    expect(rowAt(e, ny('00:01:20', '2026-03-03')).change1m).toBe(0);
  });

  it('is null when the observation 5 minutes ago had no volume yet (volume null, never 0)', () => {
    const e = engine();
    bar(e, ny('10:00'), { c: 10 });
    bar(e, ny('10:05'), { c: 10, av: 700 });
    expect(rowAt(e, ny('10:05'))).toMatchObject({ volumeToday: 700, volume5m: null, change5m: 0 });
  });
});

describe('rangePosition (SPEC §3)', () => {
  it('places the price between the session low (0) and high (100), exactly in decimal', () => {
    const at = (price: number, low: number, high: number) =>
      scanOne(engine(), ny('10:00'), [snapshotRow('ABC', { price, low, high })]).row?.rangePosition;
    expect(at(10.5, 10, 11)).toBe(50);
    expect(at(10, 10, 11)).toBe(0);
    expect(at(11, 10, 11)).toBe(100);
    // (0.9345 − 0.89) / (0.979 − 0.89) = 0.0445 / 0.089: exactly one half.
    expect(at(0.9345, 0.89, 0.979)).toBe(50);
    expect(at(10.2, 10, 10.3)).toBe(200 / 3);
  });

  it('is null when high = low, and before 04:00 while high and low are null', () => {
    expect(scanOne(engine(), ny('10:00'), [snapshotRow('ABC', { price: 10 })]).row).toMatchObject({
      high: 10,
      low: 10,
      rangePosition: null,
    });
    expect(scanOne(engine(), ny('03:00'), [snapshotRow('ABC', { price: 10 })]).row).toMatchObject({
      high: null,
      low: null,
      rangePosition: null,
    });
  });
});

describe('vwap and priceFromVwap (SPEC §2.1, §3)', () => {
  it('takes vwap from day.vw and from an aggregate’s a when > 0, else keeps it', () => {
    const e = engine();
    const snap = (vw?: number) =>
      scanOne(e, ny('10:00'), [
        { ...snapshotRow('ABC', { price: 10.2 }), day: { c: 10.2, ...(vw === undefined ? {} : { vw }) } },
      ]).row;
    expect(snap()).toMatchObject({ vwap: null, priceFromVwap: null });
    expect(snap(10)).toMatchObject({ vwap: 10, priceFromVwap: 2 });
    expect(snap(0)).toMatchObject({ vwap: 10, priceFromVwap: 2 });
    bar(e, ny('10:00:01'), { c: 10.2, a: 10.2 });
    expect(rowAt(e, ny('10:00:01'))).toMatchObject({ vwap: 10.2, priceFromVwap: 0 });
    bar(e, ny('10:00:02'), { c: 9.996, a: 0 });
    // (9.996 − 10.2) / 10.2 × 100 = −0.204 / 10.2 × 100 = −2 exactly.
    expect(rowAt(e, ny('10:00:02'))).toMatchObject({ vwap: 10.2, priceFromVwap: -2 });
  });

  it('reads day.vw from a snapshot decoded into columns (the live path)', () => {
    const e = engine();
    e.applySnapshotColumns(
      ny('10:00'),
      decodeSnapshotValue({
        status: 'OK',
        tickers: [
          { ticker: 'ABC', lastTrade: { p: 10.2 }, day: { o: 10, h: 10.3, l: 9.9, c: 10.2, v: 5, vw: 10 } },
        ],
      }),
    );
    expect(rowAt(e, ny('10:00'))).toMatchObject({ vwap: 10, priceFromVwap: 2 });
  });
});

describe('spreadPercent (SPEC §3)', () => {
  const spread = (lastQuote?: { p?: number; P?: number }) =>
    scanOne(engine(), ny('10:00'), [
      { ...snapshotRow('ABC', { price: 10 }), ...(lastQuote ? { lastQuote } : {}) },
    ]).row?.spreadPercent;

  it('is the ask − bid over their midpoint, in percent, exactly in decimal', () => {
    expect(spread({ p: 9.99, P: 10.01 })).toBe(0.2);
    expect(spread({ p: 0.1, P: 0.3 })).toBe(100);
    expect(spread({ p: 10, P: 10 })).toBe(0);
    expect(spread({ p: 1.1, P: 1.2 })).toBe(200 / 23);
  });

  it('is null unless both bid and ask are > 0', () => {
    expect(spread()).toBeNull();
    expect(spread({ p: 9.99 })).toBeNull();
    expect(spread({ P: 10.01 })).toBeNull();
    expect(spread({ p: 0, P: 10.01 })).toBeNull();
  });
});

describe('the new fields on the wire', () => {
  it('are all null, never 0 or NaN, for a ticker seen once with no quote, range or VWAP', () => {
    const { row } = scanOne(engine(), ny('10:00'), [{ ticker: 'ABC', lastTrade: { p: 5 } }]);
    expect(row).toMatchObject({
      change1m: null,
      change5m: null,
      change15m: null,
      volume5m: null,
      rangePosition: null,
      vwap: null,
      priceFromVwap: null,
      spreadPercent: null,
    });
    expect(JSON.stringify(row)).not.toContain('NaN');
  });
});
