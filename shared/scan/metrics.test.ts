import { describe, expect, it } from 'vitest';
import { engine, metadata, ny, scanOne, snapshotRow } from '../../test/utils/market.js';
import { decodeSnapshotValue } from '../vendor/snapshot-decoder.js';

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

  it('leaves open null while day.o is 0 and prevClose null when prevDay.c ≤ 0, never 0', () => {
    const e = engine();
    const { outcome } = scanOne(e, ny('08:00'), [
      { ticker: 'ZERO', lastTrade: { p: 10 }, day: { o: 0, h: 0, l: 0, c: 0, v: 0 }, prevDay: { c: 0 } },
      { ticker: 'NEG', lastTrade: { p: 10 }, day: { o: -1 }, prevDay: { c: -1 } },
    ]);
    for (const row of outcome.ranked) {
      expect(row).toMatchObject({ open: null, prevClose: null, changePercent: null, gapFromOpen: null });
    }
    expect(outcome.ranked).toHaveLength(2);
  });

  it('takes bid from lastQuote.p and ask from lastQuote.P, and keeps them while a row has no quote', () => {
    const e = engine();
    const quote = (t: string, lastQuote?: { p: number; P: number }) =>
      scanOne(e, ny(t), [{ ...snapshotRow('ABC', { price: 10 }), ...(lastQuote ? { lastQuote } : {}) }]).row;
    expect(quote('10:00', { p: 9.98, P: 10.02 })).toMatchObject({ bid: 9.98, ask: 10.02 });
    expect(quote('10:01')).toMatchObject({ bid: 9.98, ask: 10.02 });
    expect(quote('10:02', { p: 0, P: 0 })).toMatchObject({ bid: 9.98, ask: 10.02 });
    expect(quote('10:03', { p: 9.99, P: 10.01 })).toMatchObject({ bid: 9.99, ask: 10.01 });
    expect(scanOne(engine(), ny('10:00'), [snapshotRow('ABC', { price: 10 })]).row).toMatchObject({
      bid: null,
      ask: null,
    });
  });

  it('takes bid and ask the same way from a snapshot decoded into columns (the live path)', () => {
    const e = engine();
    // The vendor's own example row (docs/vendor.md §3.1): P = ask 20.6, p = bid 20.5.
    e.applySnapshotColumns(
      ny('10:00'),
      decodeSnapshotValue({
        status: 'OK',
        tickers: [
          {
            ticker: 'BCAT',
            day: { c: 20.506, h: 20.64, l: 20.506, o: 20.64, v: 37216, vw: 20.616 },
            lastQuote: { P: 20.6, S: 22, p: 20.5, s: 13, t: 1605192959994246100 },
            prevDay: { c: 20.63, h: 21, l: 20.5, o: 20.79, v: 292738, vw: 20.6939 },
          },
        ],
      }),
    );
    expect(e.scan(ny('10:00')).ranked[0]).toMatchObject({ symbol: 'BCAT', bid: 20.5, ask: 20.6 });
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

  it('keeps high and low to the session since 04:00: prices and day.h/day.l seen before 04:00 do not count', () => {
    const e = engine();
    const day2 = (t: string) => ny(t, '2026-03-03');
    // Before 04:00 the vendor's day.h/day.l and last trade are still yesterday's.
    e.applySnapshot(day2('03:30'), [snapshotRow('ABC', { price: 50, high: 55, low: 45 })]);
    e.applyAggregates(day2('03:59:59.999'), [{ sym: 'ABC', c: 60, h: 61, l: 59, av: 100 }]);
    expect(e.scan(day2('03:59:59.999')).ranked[0]).toMatchObject({ price: 60, high: null, low: null });
    e.applySnapshot(day2('04:00'), [snapshotRow('ABC', { price: 10 })]);
    expect(e.scan(day2('04:00')).ranked[0]).toMatchObject({ high: 10, low: 10 });
    e.applyAggregates(day2('04:00:01'), [{ sym: 'ABC', c: 10.5, h: 10.6, l: 9.9, av: 200 }]);
    expect(e.scan(day2('04:00:01')).ranked[0]).toMatchObject({ high: 10.6, low: 9.9 });
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

  it('skips an aggregate older than the state, so a redelivered or reclaimed bar never moves price or volume back', () => {
    const e = engine();
    e.applySnapshot(ny('10:00'), [snapshotRow('ABC', { price: 10, prevClose: 10, volume: 1000 })]);
    e.applyAggregates(ny('10:00:02'), [{ sym: 'ABC', c: 10.5, av: 1200, e: ny('10:00:02') }]);
    const late = e.applyAggregates(ny('10:00:03'), [
      { sym: 'ABC', c: 10.4, av: 1250, e: ny('10:00:02') }, // the same window again
      { sym: 'ABC', c: 10.1, av: 1100, e: ny('10:00:01') }, // an earlier window
    ]);
    expect(late.stale).toBe(2);
    expect(e.scan(ny('10:00:03')).ranked[0]).toMatchObject({ price: 10.5, volumeToday: 1200 });

    // A bar that ended before the snapshot just applied reports less day volume than the snapshot set.
    e.applySnapshot(ny('10:00:05'), [snapshotRow('ABC', { price: 10.7, prevClose: 10, volume: 1500 })]);
    expect(
      e.applyAggregates(ny('10:00:06'), [{ sym: 'ABC', c: 10.2, av: 1300, e: ny('10:00:03') }]).stale,
    ).toBe(1);
    expect(e.scan(ny('10:00:06')).ranked[0]).toMatchObject({ price: 10.7, volumeToday: 1500 });

    // A newer bar applies; the next day starts afresh.
    e.applyAggregates(ny('10:00:07'), [{ sym: 'ABC', c: 10.9, av: 1600, e: ny('10:00:07') }]);
    expect(e.scan(ny('10:00:07')).ranked[0]).toMatchObject({ price: 10.9, volumeToday: 1600 });
    e.applySnapshot(ny('04:05', '2026-03-03'), [
      snapshotRow('ABC', { price: 11, prevClose: 10.9, volume: 10 }),
    ]);
    e.applyAggregates(ny('04:05:02', '2026-03-03'), [
      { sym: 'ABC', c: 11.1, av: 20, e: ny('04:05:01', '2026-03-03') },
    ]);
    expect(e.scan(ny('04:05:02', '2026-03-03')).ranked[0]).toMatchObject({ price: 11.1, volumeToday: 20 });
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
