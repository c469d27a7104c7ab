import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MarketCalendar, OPEN_MINUTE } from '../shared/market/calendar.js';
import { nyTime } from '../shared/market/ny-time.js';
import { parseFilterList } from '../shared/scan/filters-schema.js';
import { ScanEngine } from '../shared/scan/engine.js';
import { VolumeHistory } from '../shared/scan/history.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { AggregateEventSchema, type AggregateEvent } from '../shared/vendor/aggregate-schema.js';
import { FullMarketSnapshotSchema, type FullMarketSnapshot } from '../shared/vendor/snapshot-schema.js';
import { STORY_KINDS } from '../shared/sim/story-scripts.js';
import {
  DEFAULT_OPTIONS,
  generateSample,
  MIN_TICKERS,
  SAMPLE_FILE_NAMES,
  sampleCast,
  writeSample,
} from './make-sample.js';

/** The smallest sample that still has every story and special role: keeps the suite fast. */
const OPTS = { seed: 7, date: '2026-03-02', tickers: MIN_TICKERS };
const NS_PER_MS = 1_000_000;
const MS_PER_DAY = 86_400_000;

const files = generateSample(OPTS);
const cast = sampleCast(OPTS);

type Line = { at: string; snapshot: FullMarketSnapshot } | { at: string; aggregates: AggregateEvent[] };

function parseRecording(text: string): Line[] {
  return text
    .trimEnd()
    .split('\n')
    .map((raw, i) => {
      const obj = JSON.parse(raw) as Record<string, unknown>;
      const where = `line ${i + 1}`;
      expect(typeof obj['at'], where).toBe('string');
      if ('snapshot' in obj)
        return { at: obj['at'] as string, snapshot: FullMarketSnapshotSchema.parse(obj['snapshot']) };
      expect(Array.isArray(obj['aggregates']), where).toBe(true);
      return {
        at: obj['at'] as string,
        aggregates: (obj['aggregates'] as unknown[]).map((e) => AggregateEventSchema.parse(e)),
      };
    });
}

const lines = parseRecording(files['day.ndjson']);
const snapshots = lines.filter((l): l is Extract<Line, { snapshot: unknown }> => 'snapshot' in l);
const aggregates = lines.filter((l): l is Extract<Line, { aggregates: unknown }> => 'aggregates' in l);

function historyRows(csv: string) {
  const [header, ...rows] = csv.trimEnd().split('\n');
  return {
    header,
    rows: rows.map((r) => {
      const [symbol, date, slot, cum] = r.split(',');
      return { symbol: symbol!, date: date!, slot: Number(slot), cumVolume: Number(cum) };
    }),
  };
}

describe('make-sample', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('writes byte-identical files when run twice with the same options', () => {
    const [a, b] = [0, 1].map(() => {
      const dir = mkdtempSync(join(tmpdir(), 'make-sample-'));
      dirs.push(dir);
      writeSample(dir, OPTS);
      return dir;
    });
    for (const name of SAMPLE_FILE_NAMES) {
      expect(readFileSync(join(a!, name)).equals(readFileSync(join(b!, name))), name).toBe(true);
      expect(readFileSync(join(a!, name), 'utf8')).toBe(files[name]);
    }
  });

  it('gives a different market for a different seed', () => {
    expect(generateSample({ ...OPTS, seed: OPTS.seed + 1 })['day.ndjson']).not.toBe(files['day.ndjson']);
  });

  it('records one story of every kind, two ETFs and background names, and keeps the default sample under 2 MB', () => {
    expect(cast.symbols).toHaveLength(OPTS.tickers);
    expect(cast.stories.map((s) => s.kind).sort()).toEqual([...STORY_KINDS].sort());
    expect(snapshots[0]!.snapshot.tickers.map((r) => r.ticker)).toEqual(cast.symbols);
    expect(
      Buffer.byteLength(readFileSync(join(import.meta.dirname, '..', 'samples', 'day.ndjson'))),
    ).toBeLessThan(2_000_000);
    expect(DEFAULT_OPTIONS.tickers).toBeGreaterThan(MIN_TICKERS);
  });

  it('writes recording lines that pass the vendor schemas, with ISO instants that never go backwards', () => {
    expect(snapshots.length).toBeGreaterThan(0);
    expect(aggregates.length).toBeGreaterThan(0);
    let previous = -Infinity;
    for (const l of lines) {
      const ms = Date.parse(l.at);
      expect(new Date(ms).toISOString()).toBe(l.at);
      expect(ms).toBeGreaterThanOrEqual(previous);
      previous = ms;
    }
    for (const s of snapshots) expect(s.snapshot.count).toBe(s.snapshot.tickers.length);
  });

  it('takes a snapshot every 5 minutes from 04:00 to 19:55 New York on the sample date', () => {
    const times = snapshots.map((s) => nyTime(Date.parse(s.at)));
    expect(times.every((t) => t.date === OPTS.date)).toBe(true);
    expect(times.map((t) => t.minuteOfDay)).toEqual(Array.from({ length: 192 }, (_, i) => 240 + 5 * i));
  });

  it('streams aggregates only between 09:30 and 11:00, for three to five hot story tickers', () => {
    const symbols = new Set<string>();
    for (const l of aggregates) {
      const minute = nyTime(Date.parse(l.at)).minuteOfDay;
      expect(minute).toBeGreaterThan(OPEN_MINUTE);
      expect(minute).toBeLessThanOrEqual(11 * 60 + 1);
      l.aggregates.forEach((e) => symbols.add(e.sym));
    }
    expect(symbols.size).toBeGreaterThanOrEqual(3);
    expect(symbols.size).toBeLessThanOrEqual(5);
    for (const s of symbols) expect(cast.hot).toContain(s);
  });

  it('stamps snapshots in nanoseconds and minute bars and aggregate windows in milliseconds', () => {
    for (const s of snapshots) {
      const at = Date.parse(s.at);
      for (const r of s.snapshot.tickers) {
        for (const ns of [r.updated, r.lastTrade?.t, r.lastQuote?.t]) {
          if (ns === undefined) continue;
          expect(ns / NS_PER_MS).toBeLessThanOrEqual(at);
          expect(ns / NS_PER_MS).toBeGreaterThan(at - MS_PER_DAY);
        }
        if (r.min?.t !== undefined) {
          expect(r.min.t % 60_000).toBe(0);
          expect(r.min.t).toBeLessThan(at);
        }
      }
    }
    for (const l of aggregates) {
      for (const e of l.aggregates) {
        expect(e.e - e.s).toBe(1000);
        expect(e.e).toBeLessThanOrEqual(Date.parse(l.at));
        // The window lies in the minute that ended just before the line (published ~2 s late).
        expect(e.s).toBeGreaterThanOrEqual(Date.parse(l.at) - 60_000 - 2000);
      }
    }
  });

  it('sends day.o = 0 before 09:30 and the official open afterwards', () => {
    for (const s of snapshots) {
      const minute = nyTime(Date.parse(s.at)).minuteOfDay;
      for (const r of s.snapshot.tickers) {
        if (minute <= OPEN_MINUTE) expect(r.day?.o).toBe(0);
        else if ((r.min?.t ?? 0) >= Date.parse(s.at) - (minute - OPEN_MINUTE) * 60_000)
          expect(r.day?.o).toBeGreaterThan(0);
      }
    }
  });

  it('keeps cumulative volume non-decreasing through snapshots and aggregates', () => {
    const last = new Map<string, number>();
    for (const l of lines) {
      const seen: [string, number][] =
        'snapshot' in l
          ? l.snapshot.tickers.map((r) => [r.ticker, r.day?.v ?? 0])
          : l.aggregates.map((e) => [e.sym, e.av ?? 0]);
      for (const [sym, v] of seen) {
        expect(v, `${sym} at ${l.at}`).toBeGreaterThanOrEqual(last.get(sym) ?? 0);
        last.set(sym, v);
      }
    }
  });

  it("freezes the halted ticker's row while it is halted", () => {
    const halted = cast.stories.find((s) => s.halt !== null)!;
    const { from, to } = halted.halt!;
    const rows = snapshots
      .filter((s) => {
        const m = nyTime(Date.parse(s.at)).minuteOfDay;
        return m > from && m <= to;
      })
      .map((s) => JSON.stringify(s.snapshot.tickers.find((r) => r.ticker === halted.symbol)));
    expect(rows.length).toBeGreaterThanOrEqual(Math.floor((to - from) / 5) - 1);
    expect(new Set(rows).size).toBe(1);
  });

  it('writes filters that parseFilterList accepts', () => {
    const filters = parseFilterList(JSON.parse(files['filters.json']));
    expect(filters.map((f) => f.id)).toEqual([1, 2, 3]);
  });

  it('writes a history CSV with the header, slots 0..191 of the five previous trading days, and the planned holes', () => {
    const { header, rows } = historyRows(files['history.csv']);
    expect(header).toBe('symbol,date,slot,cum_volume');
    const calendar = new MarketCalendar();
    const expectedDates: string[] = [];
    for (let d = OPTS.date; expectedDates.length < 5;)
      expectedDates.push((d = calendar.previousTradingDay(d)));
    const bad = rows.filter(
      (r) =>
        !(Number.isInteger(r.slot) && r.slot >= 0 && r.slot <= 191) ||
        !(Number.isInteger(r.cumVolume) && r.cumVolume >= 0) ||
        !expectedDates.includes(r.date),
    );
    expect(bad).toEqual([]);
    const days = (symbol: string) => new Set(rows.filter((r) => r.symbol === symbol).map((r) => r.date)).size;
    const slots = (symbol: string) => rows.filter((r) => r.symbol === symbol).length;
    expect(days(cast.roles.noHistory)).toBe(0);
    expect(days(cast.roles.twoDaysHistory)).toBe(2);
    expect(slots(cast.roles.missingSlots)).toBe(5 * 192 - 3);
    const grinder = cast.stories.find((s) => s.kind === 'grinder')!.symbol;
    expect(slots(grinder)).toBe(5 * 192 - 3);
    const others = cast.symbols.filter(
      (s) => ![cast.roles.noHistory, cast.roles.twoDaysHistory, cast.roles.missingSlots, grinder].includes(s),
    );
    for (const s of others) expect(slots(s), s).toBe(5 * 192);
  });

  it('writes metadata for every recorded ticker but one, including two ETFs', () => {
    const metadata = JSON.parse(files['metadata.json']) as TickerMetadata[];
    const symbols = new Set(metadata.map((m) => m.symbol));
    expect(cast.symbols.filter((s) => !symbols.has(s))).toEqual([cast.roles.noMetadata]);
    expect([...symbols].every((s) => cast.symbols.includes(s))).toBe(true);
    expect(metadata.filter((m) => m.isEtf)).toHaveLength(2);
  });

  it('populates every one of the 11 lists when replayed through the scan engine, each story in its signature list', () => {
    const engine = new ScanEngine({
      calendar: new MarketCalendar(),
      settings: DEFAULT_SCAN_SETTINGS,
      history: new VolumeHistory(historyRows(files['history.csv']).rows),
      metadata: JSON.parse(files['metadata.json']) as TickerMetadata[],
      filters: parseFilterList(JSON.parse(files['filters.json'])),
      newEpoch: () => 'replay',
    });
    const members = new Map<string, Set<string>>(LIST_NAMES.map((name) => [name, new Set()]));
    for (const l of lines) {
      const ms = Date.parse(l.at);
      if ('snapshot' in l) engine.applySnapshot(ms, l.snapshot.tickers);
      else engine.applyAggregates(ms, l.aggregates);
      const outcome = engine.scan(ms);
      for (const name of LIST_NAMES)
        for (const row of outcome.lists[name]) members.get(name)!.add(row.symbol);
    }
    for (const name of LIST_NAMES) expect(members.get(name)!.size, name).toBeGreaterThan(0);
    for (const story of cast.stories)
      expect(members.get(story.lists[0]!), story.kind).toContain(story.symbol);
  });

  it('refuses too few tickers and a date that is not a trading day', () => {
    expect(() => generateSample({ ...OPTS, tickers: MIN_TICKERS - 1 })).toThrow(/--tickers/);
    expect(() => generateSample({ ...OPTS, date: '2026-03-01' })).toThrow(/not a trading day/);
  });
});
