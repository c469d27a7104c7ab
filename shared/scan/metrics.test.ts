import { describe, expect, it } from 'vitest';
import { engine, metadata, ny, scanOne, snapshotRow } from '../../test/utils/market.js';

describe('derived metrics (SPEC §3)', () => {
  it('computes every gap and position metric from one snapshot row', () => {
    const e = engine({ metadata: [metadata('ABC', { avgVolume30d: 200_000, floatShares: 1_000_000 })] });
    const { row } = scanOne(e, ny('10:00'), [
      snapshotRow('ABC', { price: 11, prevClose: 10, open: 10.5, volume: 100_000, high: 12, low: 10 }),
    ]);
    expect(row).toMatchObject({
      price: 11,
      change: 1,
      changePercent: 10,
      gapFromOpen: (0.5 / 10.5) * 100,
      gapFromOpenDollars: 0.5,
      gapAtOpen: 5,
      gapPremarket: null,
      gapPostmarket: null,
      priceFromHigh: -100 / 12,
      priceFromLow: 10,
      volumeRatio: 0.5,
      floatRotation: 0.1,
      dollarVolume: 1_100_000,
      high: 12,
      low: 10,
      open: 10.5,
      prevClose: 10,
      session: 'MARKET_OPEN',
    });
  });

  it('is null, never 0 or NaN, when an input is missing or the base is not positive', () => {
    const e = engine();
    const { row } = scanOne(e, ny('10:00'), [{ ticker: 'NOPREV', lastTrade: { p: 5 } }]);
    expect(row).toMatchObject({
      change: null,
      changePercent: null,
      gapFromOpen: null,
      gapAtOpen: null,
      volumeRatio: null,
      floatRotation: null,
      volumeToday: null,
      dollarVolume: null,
      rvol: null,
      rvolSlot: null,
      marketCap: null,
      sector: null,
      isEtf: null,
      score: 0,
    });
    expect(JSON.stringify(row)).not.toContain('NaN');
  });

  it('reports gapAtOpen from 09:30 on (fix: it was always null)', () => {
    const e = engine();
    const premarket = scanOne(e, ny('09:29:59'), [
      snapshotRow('ABC', { price: 11, prevClose: 10, open: 10.4 }),
    ]).row;
    expect(premarket?.gapAtOpen).toBeNull();
    const open = scanOne(e, ny('09:30'), [snapshotRow('ABC', { price: 11, prevClose: 10, open: 10.4 })]).row;
    expect(open?.gapAtOpen).toBe(4);
  });

  it('reports gapPremarket only in PRE_MARKET and gapPostmarket against day.c only in POST_MARKET', () => {
    const e = engine();
    const pre = scanOne(e, ny('08:00'), [snapshotRow('ABC', { price: 10.5, prevClose: 10 })]).row;
    expect(pre).toMatchObject({ session: 'PRE_MARKET', gapPremarket: 5, gapPostmarket: null });
    const post = scanOne(e, ny('16:30'), [
      {
        ticker: 'ABC',
        lastTrade: { p: 10.2 },
        day: { o: 10, h: 10.5, l: 9.8, c: 10, v: 5 },
        prevDay: { c: 10 },
      },
    ]).row;
    expect(post).toMatchObject({ session: 'POST_MARKET', gapPremarket: null, gapPostmarket: 2 });
  });
});

describe('ticker inputs from a snapshot (SPEC §2)', () => {
  it('takes the price from lastTrade, then min.c, then day.c, then prevDay.c, skipping zeros', () => {
    const e = engine();
    const at = ny('10:00');
    e.applySnapshot(at, [
      { ticker: 'T1', lastTrade: { p: 1 }, min: { c: 2 }, day: { c: 3 }, prevDay: { c: 4 } },
      { ticker: 'T2', lastTrade: { p: 0 }, min: { c: 2 }, day: { c: 3 }, prevDay: { c: 4 } },
      { ticker: 'T3', min: { c: 0 }, day: { c: 3 }, prevDay: { c: 4 } },
      { ticker: 'T4', day: { c: 0 }, prevDay: { c: 4 } },
    ]);
    const prices = Object.fromEntries(e.scan(at).ranked.map((r) => [r.symbol, r.price]));
    expect(prices).toEqual({ T1: 1, T2: 2, T3: 3, T4: 4 });
  });

  it('ignores and counts a row with no price, and the ticker keeps the state it had', () => {
    const e = engine();
    e.applySnapshot(ny('10:00'), [snapshotRow('ABC', { price: 10, prevClose: 9 })]);
    const stats = e.applySnapshot(ny('10:01'), [{ ticker: 'ABC', lastTrade: { p: 0 }, day: { c: 0 } }]);
    expect(stats.noPrice).toBe(1);
    expect(e.scan(ny('10:01')).ranked[0]).toMatchObject({ symbol: 'ABC', price: 10, prevClose: 9 });
  });

  it('takes volumeToday from min.av when positive, else day.v', () => {
    const e = engine();
    e.applySnapshot(ny('10:00'), [
      { ticker: 'A', lastTrade: { p: 1 }, min: { av: 500 }, day: { v: 400 } },
      { ticker: 'B', lastTrade: { p: 1 }, min: { av: 0 }, day: { v: 400 } },
    ]);
    const vols = Object.fromEntries(e.scan(ny('10:00')).ranked.map((r) => [r.symbol, r.volumeToday]));
    expect(vols).toEqual({ A: 500, B: 400 });
  });

  it('widens high and low with day.h, day.l and every observed price, and resets them on a new day', () => {
    const e = engine();
    e.applySnapshot(ny('10:00'), [snapshotRow('ABC', { price: 10, high: 10.5, low: 9.5 })]);
    e.applyAggregates(ny('10:00:05'), [{ sym: 'ABC', c: 11, h: 11.2, l: 10.9, av: 100 }]);
    e.applySnapshot(ny('10:05'), [snapshotRow('ABC', { price: 9, high: 10.5, low: 9.5 })]);
    expect(e.scan(ny('10:05')).ranked[0]).toMatchObject({ high: 11.2, low: 9, price: 9 });

    e.applySnapshot(ny('10:00', '2026-03-03'), [snapshotRow('ABC', { price: 9.8 })]);
    expect(e.scan(ny('10:00', '2026-03-03')).ranked[0]).toMatchObject({ high: 9.8, low: 9.8 });
  });

  it('clears per-ticker market state when the New York date changes, keeping metadata', () => {
    const e = engine({ metadata: [metadata('A'), metadata('B')] });
    e.applySnapshot(ny('15:00'), [
      snapshotRow('A', { price: 10, prevClose: 9 }),
      snapshotRow('B', { price: 5 }),
    ]);
    e.applySnapshot(ny('04:05', '2026-03-03'), [snapshotRow('A', { price: 10.5, prevClose: 10 })]);
    const rows = e.scan(ny('04:05', '2026-03-03')).ranked;
    expect(rows.map((r) => r.symbol)).toEqual(['A']);
    expect(rows[0]).toMatchObject({ companyName: 'A Inc.', prevClose: 10 });
  });

  it('scans a ticker without metadata, with null metadata fields (fix: it was dropped)', () => {
    const e = engine({ metadata: [metadata('KNOWN')] });
    const { outcome } = scanOne(e, ny('10:00'), [
      snapshotRow('KNOWN', { price: 10, prevClose: 9 }),
      snapshotRow('UNKNOWN', { price: 10, prevClose: 9 }),
    ]);
    const unknown = outcome.ranked.find((r) => r.symbol === 'UNKNOWN');
    expect(unknown).toMatchObject({ companyName: null, marketCap: null, sector: null, exchange: null });
    expect(outcome.lists.gappers_up.map((r) => r.symbol)).toContain('UNKNOWN');
  });

  it('applies an aggregate: price from c, volume from av, open from op, each only when positive', () => {
    const e = engine();
    e.applySnapshot(ny('10:00'), [snapshotRow('ABC', { price: 10, prevClose: 10, open: 9.9, volume: 1000 })]);
    e.applyAggregates(ny('10:00:01'), [{ sym: 'ABC', c: 10.5, av: 0, op: 0, h: 10.5, l: 10.4 }]);
    expect(e.scan(ny('10:00:01')).ranked[0]).toMatchObject({ price: 10.5, volumeToday: 1000, open: 9.9 });
  });

  it('ranks with 1-based ranks, score desc then symbol asc', () => {
    const e = engine({
      metadata: [
        metadata('B', { avgVolume30d: 100 }),
        metadata('A', { avgVolume30d: 100 }),
        metadata('C', { avgVolume30d: 100 }),
      ],
    });
    const { outcome } = scanOne(e, ny('10:00'), [
      snapshotRow('B', { price: 10, volume: 100 }),
      snapshotRow('C', { price: 10, volume: 200 }),
      snapshotRow('A', { price: 10, volume: 100 }),
    ]);
    expect(outcome.ranked.map((r) => [r.symbol, r.scoreRank, r.rank, r.score])).toEqual([
      ['C', 1, 1, 10],
      ['A', 2, 2, 5],
      ['B', 3, 3, 5],
    ]);
  });

  it('keeps only the top MAX_FILTERED rows of the ranking', () => {
    const e = engine({ settings: { maxFiltered: 3 } });
    const rows = ['A', 'B', 'C', 'D', 'E'].map((s, i) => snapshotRow(s, { price: 10 + i }));
    expect(scanOne(e, ny('10:00'), rows).outcome.ranked.map((r) => r.symbol)).toEqual(['A', 'B', 'C']);
  });
});
