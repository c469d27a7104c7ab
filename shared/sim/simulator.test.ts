import { describe, expect, it } from 'vitest';
import { MarketCalendar } from '../market/calendar.js';
import { FullMarketSnapshotSchema } from '../vendor/snapshot-schema.js';
import { STORY_KINDS } from './story-scripts.js';
import { Simulator } from './simulator.js';
import { DAY, ny, rowOf, rowsOf } from './testing.js';

const TICKERS = 150;
const NS_PER_MS = 1_000_000;
const MS_PER_DAY = 86_400_000;
const sim = new Simulator({ seed: 7, tickers: TICKERS });
const calendar = new MarketCalendar();

describe('Simulator snapshots', () => {
  it('gives identical bodies for two simulators with the same seed, and a different market for another seed', () => {
    const other = new Simulator({ seed: 7, tickers: TICKERS });
    for (const t of ['04:00', '09:31:17', '10:30', '16:45:02']) {
      expect(JSON.stringify(other.snapshotAt(ny(t)))).toBe(JSON.stringify(sim.snapshotAt(ny(t))));
    }
    const reseeded = new Simulator({ seed: 8, tickers: TICKERS });
    expect(JSON.stringify(reseeded.snapshotAt(ny('10:30')))).not.toBe(
      JSON.stringify(sim.snapshotAt(ny('10:30'))),
    );
  });

  it('writes snapshotBytesAt as exactly the JSON of snapshotAt, and leaves the market as snapshotAt would', () => {
    const bytes = new Simulator({ seed: 7, tickers: TICKERS });
    const body = new Simulator({ seed: 7, tickers: TICKERS });
    const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
    // Both sides are sampled in the same order, so each tape advances (and rewinds) the same way.
    for (const t of [
      '03:00',
      '04:00',
      '09:31:17',
      '10:30',
      '10:30',
      '16:45:02',
      '09:45',
      '19:59:59',
      '23:00',
    ]) {
      const written = bytes.snapshotBytesAt(ny(t));
      expect(written.byteOffset).toBe(0);
      expect(written.byteLength).toBe(written.buffer.byteLength); // owns its buffer: transferable as is
      expect(text(written)).toBe(JSON.stringify(body.snapshotAt(ny(t))));
    }
    const some = [
      'NOPE',
      ...sim
        .metadata()
        .slice(3, 9)
        .map((m) => m.symbol),
    ];
    expect(text(bytes.snapshotBytesAt(ny('11:00'), some))).toBe(
      JSON.stringify(body.snapshotAt(ny('11:00'), some)),
    );
    expect(text(bytes.snapshotBytesAt(ny('11:00'), []))).toBe(
      JSON.stringify(body.snapshotAt(ny('11:00'), [])),
    );
    expect(text(bytes.snapshotBytesAt(ny('12:00', '2026-03-07')))).toBe(
      JSON.stringify(body.snapshotAt(ny('12:00', '2026-03-07'))),
    );
  });

  it('shows the same market at an instant whether it was sampled every 5 s, once, or after a later instant', () => {
    const often = new Simulator({ seed: 7, tickers: TICKERS });
    const seen = new Map<number, string>();
    for (let t = ny('09:30'); t <= ny('10:00'); t += 5000) seen.set(t, JSON.stringify(often.snapshotAt(t)));
    const once = new Simulator({ seed: 7, tickers: TICKERS });
    expect(JSON.stringify(once.snapshotAt(ny('10:00')))).toBe(seen.get(ny('10:00')));
    // Backwards: the tape goes back to 04:00 and replays to the earlier instant.
    const later = new Simulator({ seed: 7, tickers: TICKERS });
    later.snapshotAt(ny('15:00'));
    expect(JSON.stringify(later.snapshotAt(ny('09:45:05')))).toBe(seen.get(ny('09:45:05')));
    expect(JSON.stringify(later.snapshotAt(ny('09:30')))).toBe(seen.get(ny('09:30')));
  });

  it('returns bodies that pass the vendor schema at every time of day and on a day without a session', () => {
    const instants = [
      '03:00',
      '03:45',
      '04:00:30',
      '07:10',
      '09:29:59',
      '09:30:01',
      '12:00',
      '16:00',
      '17:30',
      '20:00',
      '23:00',
    ].map((t) => ny(t));
    instants.push(ny('12:00', '2026-03-07')); // a Saturday
    for (const at of instants) {
      const body = FullMarketSnapshotSchema.parse(sim.snapshotAt(at));
      expect(body.status).toBe('OK');
      expect(body.count).toBe(TICKERS);
      expect(body.tickers).toHaveLength(TICKERS);
      expect(new Set(body.tickers.map((r) => r.ticker)).size).toBe(TICKERS);
    }
  });

  it('stamps updated and trade/quote times in nanoseconds at or before the instant, and min.t in whole-minute milliseconds', () => {
    for (const at of [ny('08:00:10'), ny('10:30:42'), ny('18:00')]) {
      for (const r of rowsOf(sim.snapshotAt(at))) {
        for (const ns of [r.updated, r.lastTrade?.t, r.lastQuote?.t]) {
          if (ns === undefined) continue;
          expect(ns / NS_PER_MS).toBeLessThanOrEqual(at);
          expect(ns / NS_PER_MS).toBeGreaterThan(at - MS_PER_DAY);
        }
        if (r.min?.t !== undefined) {
          expect(Number.isSafeInteger(r.min.t)).toBe(true);
          expect(r.min.t % 60_000).toBe(0);
          expect(r.min.t).toBeLessThanOrEqual(at);
          expect(r.min.t).toBeGreaterThan(at - MS_PER_DAY);
        }
      }
    }
  });

  it('sends day.o = 0 before 09:30 and the official open after, zero bars before the first trade, and consistent changes', () => {
    const before = rowsOf(sim.snapshotAt(ny('09:29:59')));
    expect(before.every((r) => r.day?.o === 0)).toBe(true);
    const untraded = before.filter((r) => r.day?.v === 0);
    for (const r of untraded) {
      expect(r.day).toEqual({ o: 0, h: 0, l: 0, c: 0, v: 0, vw: 0 });
      expect(r.lastTrade).toBeUndefined();
      expect(r.min).toBeUndefined();
      expect(r.prevDay!.c).toBeGreaterThan(0);
    }
    const after = rowsOf(sim.snapshotAt(ny('11:00')));
    const tradedToday = after.filter((r) => (r.min?.t ?? 0) >= ny('09:30'));
    expect(tradedToday.length).toBeGreaterThan(TICKERS / 2);
    for (const r of tradedToday) expect(r.day!.o).toBeGreaterThan(0);
    for (const r of after.filter((x) => x.lastTrade)) {
      const price = r.lastTrade!.p;
      expect(r.todaysChange).toBeCloseTo(price - r.prevDay!.c, 3);
      expect(r.todaysChangePerc).toBeCloseTo(((price - r.prevDay!.c) / r.prevDay!.c) * 100, 3);
      expect(r.min!.av).toBe(r.day!.v);
      expect(r.day!.l).toBeLessThanOrEqual(price);
      expect(r.day!.h).toBeGreaterThanOrEqual(price);
      expect(r.lastQuote!.p).toBeLessThan(r.lastQuote!.P);
    }
  });

  it('never lowers a day high, raises a day low or takes volume back through the day', () => {
    const last = new Map<string, { h: number; l: number; v: number }>();
    for (let t = ny('04:00'); t <= ny('20:00'); t += 11 * 60_000 + 13_000) {
      for (const r of rowsOf(sim.snapshotAt(t))) {
        const d = r.day!;
        const prev = last.get(r.ticker);
        if (prev && d.v > 0) {
          expect(d.v).toBeGreaterThanOrEqual(prev.v);
          expect(d.h).toBeGreaterThanOrEqual(prev.h);
          if (prev.l > 0) expect(d.l).toBeLessThanOrEqual(prev.l);
        }
        if (d.v > 0) last.set(r.ticker, { h: d.h, l: d.l, v: d.v });
      }
    }
  });

  it("closes each day on the next trading day's previous close, across a weekend and a holiday", () => {
    // Friday → Monday, and Thursday → Monday over Good Friday (2026-04-03).
    for (const [day, next] of [
      ['2026-02-27', '2026-03-02'],
      ['2026-04-02', '2026-04-06'],
    ] as const) {
      expect(calendar.nextTradingDay(day)).toBe(next);
      const end = sim.snapshotAt(ny('20:00', day));
      const nextMorning = sim.snapshotAt(ny('04:00', next));
      for (const r of rowsOf(end)) {
        const prevDay = rowOf(nextMorning, r.ticker).prevDay!;
        expect(prevDay, r.ticker).toEqual(r.day);
      }
    }
  });

  it('freezes the halted ticker: no trades and the very same row for as long as the halt lasts', () => {
    const halted = sim.stories(DAY).find((s) => s.halt !== null)!;
    const from = halted.halt!.from;
    const to = halted.halt!.to;
    const rows = new Set<string>();
    for (let minute = from + 1; minute < to; minute += 3) {
      const at = ny(`${Math.floor(minute / 60)}:${minute % 60}:30`);
      rows.add(JSON.stringify(rowOf(sim.snapshotAt(at, [halted.symbol]), halted.symbol)));
    }
    expect(rows.size).toBe(1);
    const resumed = rowOf(sim.snapshotAt(ny('15:00'), [halted.symbol]), halted.symbol);
    expect(JSON.stringify(resumed)).not.toBe([...rows][0]);
  });

  it('casts every kind of story every day, on different tickers', () => {
    for (const date of [DAY, '2026-03-03', '2026-03-04']) {
      const stories = sim.stories(date);
      expect(new Set(stories.map((s) => s.kind))).toEqual(new Set(STORY_KINDS));
      expect(new Set(stories.map((s) => s.symbol)).size).toBe(stories.length);
      for (const s of stories) expect(s.lists.length).toBeGreaterThan(0);
    }
    expect(sim.stories(DAY).map((s) => s.symbol)).not.toEqual(sim.stories('2026-03-03').map((s) => s.symbol));
  });

  it('limits a snapshot to the requested symbols, like the vendor tickers= parameter', () => {
    const symbols = sim.metadata().map((m) => m.symbol);
    const body = sim.snapshotAt(ny('10:00'), [symbols[5]!, 'NOPE', symbols[1]!]);
    expect(rowsOf(body).map((r) => r.ticker)).toEqual([symbols[5], symbols[1]]);
    expect(body.count).toBe(2);
  });
});
