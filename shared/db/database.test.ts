import { createServer, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidFilterError } from '../scan/filters-schema.js';
import { testDatabaseUrl, withFreshSchema } from '../../test/utils/db.js';
import { anyNumber } from '../../test/utils/matchers.js';
import {
  closeDb,
  createDb,
  type Db,
  deleteFilter,
  DuplicateFilterNameError,
  FilterNotFoundError,
  insertScanResults,
  loadFilters,
  loadMetadata,
  saveFilter,
  upsertMetadata,
  upsertVolumeSlots,
} from './database.js';
import { loadVolumeHistory, streamVolumeHistoryDays } from './volume-history.js';
import type { ScanResultRow, TickerMetadata, VolumeSlotRow } from './types.js';

const schema = withFreshSchema();
let db: Db;

beforeAll(() => {
  db = createDb(testDatabaseUrl, { schema: schema.name });
});
afterAll(async () => {
  await closeDb(db);
});

const bySlotKey = (a: VolumeSlotRow, b: VolumeSlotRow) =>
  a.symbol.localeCompare(b.symbol) || a.date.localeCompare(b.date) || a.slot - b.slot;

describe('type parsing', () => {
  it('numeric and bigint columns come back as numbers and dates as plain YYYY-MM-DD strings', async () => {
    const row = await db.one<{ n: unknown; b: unknown; d: unknown }>(
      "SELECT 1.25::numeric AS n, 9007199254740991::bigint AS b, '2026-03-08'::date AS d",
    );
    expect(row).toEqual({ n: 1.25, b: 9007199254740991, d: '2026-03-08' });
  });

  it('uses the schema it was given, not public', async () => {
    expect(await db.one<{ s: string }>('SELECT current_schema() AS s')).toEqual({ s: schema.name });
  });
});

describe('ticker_metadata', () => {
  const full: TickerMetadata = {
    symbol: 'AAPL',
    companyName: 'Apple Inc.',
    exchange: 'XNAS',
    sector: 'Technology',
    industry: 'Consumer Electronics',
    marketCap: 3_512_345_678_901.5,
    floatShares: 14_840_000_000,
    sharesOutstanding: 14_870_000_000,
    avgVolume30d: 52_345_678.25,
    avgVolume10d: 48_000_001,
    avgPrice30d: 227.43,
    beta: 1.24,
    isEtf: false,
    isActivelyTrading: true,
  };
  const sparse: TickerMetadata = {
    symbol: 'ZZZQ',
    companyName: null,
    exchange: null,
    sector: null,
    industry: null,
    marketCap: null,
    floatShares: null,
    sharesOutstanding: null,
    avgVolume30d: null,
    avgVolume10d: null,
    avgPrice30d: null,
    beta: null,
    isEtf: null,
    isActivelyTrading: null,
  };

  it('metadata round-trips with nulls kept null', async () => {
    expect(await upsertMetadata(db, [sparse, full])).toBe(2);
    expect(await loadMetadata(db)).toEqual([full, sparse]);
  });

  it('upsertMetadata replaces a symbol whole and keeps the last of repeated symbols', async () => {
    const etf = { ...sparse, symbol: 'SPY', isEtf: true, exchange: 'ARCX' };
    await upsertMetadata(db, [{ ...full, beta: 9 }, { ...full, beta: null, sector: null }, etf]);
    expect(await loadMetadata(db)).toEqual([{ ...full, beta: null, sector: null }, etf, sparse]);
    expect(await upsertMetadata(db, [])).toBe(0);
  });
});

describe('scanner_filters', () => {
  it('seeded filters load through loadFilters, ordered by priority desc then id', async () => {
    const filters = await loadFilters(db);
    expect(filters.map((f) => f.name)).toEqual([
      'Tradable price',
      'Regular-hours liquidity',
      'Premarket liquidity',
      'Low-float runners',
      'No ETFs',
    ]);
  });

  it('a filter row with bad parameters in the DB makes loadFilters throw InvalidFilterError naming it', async () => {
    const bad = await db.one<{ id: number }>(
      `INSERT INTO scanner_filters (name, parameters) VALUES ('Cheap stuff', '{"minPrice": "cheap"}') RETURNING id`,
    );
    const typo = await db.one<{ id: number }>(
      `INSERT INTO scanner_filters (name, parameters) VALUES ('Typo', '{"minPirce": 5}') RETURNING id`,
    );
    try {
      const err = await loadFilters(db).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidFilterError);
      const message = (err as InvalidFilterError).message;
      expect(message).toContain(`id ${bad.id}, ${typo.id}`);
      expect(message).toContain(`id ${bad.id} ("Cheap stuff") parameters.minPrice`);
      expect(message).toContain(`id ${typo.id} ("Typo")`);
      expect(message).toContain('minPirce');
    } finally {
      await db.none('DELETE FROM scanner_filters WHERE id IN ($1:csv)', [[bad.id, typo.id]]);
    }
    await expect(loadFilters(db)).resolves.toHaveLength(5);
  });

  it('a filter row whose min bound is above its max bound makes loadFilters throw, naming it and both values', async () => {
    const bad = await db.one<{ id: number }>(
      `INSERT INTO scanner_filters (name, parameters) VALUES ('Impossible', '{"minFloat": 9, "maxFloat": 3}') RETURNING id`,
    );
    try {
      await expect(loadFilters(db)).rejects.toThrow(
        `id ${bad.id} ("Impossible") parameters.minFloat: minFloat 9 is above maxFloat 3: no ticker can match`,
      );
    } finally {
      await db.none('DELETE FROM scanner_filters WHERE id = $1', [bad.id]);
    }
    await expect(loadFilters(db)).resolves.toHaveLength(5);
  });

  it('saveFilter creates and replaces filters and deleteFilter removes them', async () => {
    const created = await saveFilter(db, {
      name: 'Gap and go',
      sessions: ['PRE_MARKET', 'MARKET_OPEN'],
      parameters: { minChangePercent: 4, sectors: ['Technology'] },
    });
    expect(created).toEqual({
      id: anyNumber(),
      name: 'Gap and go',
      description: '',
      enabled: true,
      priority: 0,
      sessions: ['PRE_MARKET', 'MARKET_OPEN'],
      parameters: { minChangePercent: 4, sectors: ['Technology'] },
    });

    const replaced = await saveFilter(db, {
      ...created,
      enabled: false,
      sessions: [],
      parameters: { maxPrice: 0 },
    });
    expect(replaced).toEqual({ ...created, enabled: false, sessions: [], parameters: { maxPrice: 0 } });
    expect((await loadFilters(db)).find((f) => f.id === created.id)).toEqual(replaced);

    await expect(saveFilter(db, { name: 'Tradable price' })).rejects.toBeInstanceOf(DuplicateFilterNameError);
    await expect(saveFilter(db, { id: 987654, name: 'Ghost' })).rejects.toBeInstanceOf(FilterNotFoundError);

    expect(await deleteFilter(db, created.id)).toBe(true);
    expect(await deleteFilter(db, created.id)).toBe(false);
    await expect(deleteFilter(db, -1)).rejects.toBeInstanceOf(InvalidFilterError);
  });

  it('saveFilter rejects an invalid filter before it reaches the table', async () => {
    const before = await db.one<{ n: number }>('SELECT count(*)::int AS n FROM scanner_filters');
    // Deliberately wrong shapes, as an API body could carry them.
    const invalid = [
      { name: 'Bad session', sessions: ['LUNCH'] },
      { name: 'Bad bound', parameters: { minRvol: Number.NaN } },
      { name: 'Unknown parameter', parameters: { minPirce: 1 } },
      { name: '' },
    ] as unknown as Parameters<typeof saveFilter>[1][];
    for (const input of invalid) {
      await expect(saveFilter(db, input)).rejects.toBeInstanceOf(InvalidFilterError);
    }
    expect(await db.one('SELECT count(*)::int AS n FROM scanner_filters')).toEqual(before);
  });
});

describe('volume_slots', () => {
  beforeEach(async () => {
    await db.none('TRUNCATE volume_slots');
  });

  const slot = (symbol: string, date: string, s: number, cumVolume = 1000 * (s + 1)): VolumeSlotRow => ({
    symbol,
    date,
    slot: s,
    cumVolume,
  });

  /** AAA trades every day; BBB has gaps and single-row days; CCC only the cut-off date; DDD one row. */
  const sampleHistory = (): VolumeSlotRow[] => [
    // AAA trades every day; rows on and after the cut-off date must not count.
    ...[
      '2026-02-24',
      '2026-02-25',
      '2026-02-26',
      '2026-02-27',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
    ].flatMap((d) => [slot('AAA', d, 0), slot('AAA', d, 1), slot('AAA', d, 191)]),
    // BBB has gaps, and two of its dates hold a single row each: they still count as whole days.
    slot('BBB', '2026-01-05', 10),
    slot('BBB', '2026-02-10', 0),
    slot('BBB', '2026-02-10', 5),
    slot('BBB', '2026-02-27', 100),
    // CCC only has rows on the cut-off date: no history.
    slot('CCC', '2026-03-03', 0),
    // DDD: one row in all.
    slot('DDD', '2025-12-31', 42, 7.5),
  ];

  it('loadVolumeHistory returns exactly the N most recent dates strictly before the date per symbol', async () => {
    const rows = sampleHistory();
    await upsertVolumeSlots(db, rows, 'replace');

    const history = await loadVolumeHistory(db, '2026-03-03', 3);
    expect(history).toEqual([
      ...['2026-02-26', '2026-02-27', '2026-03-02'].flatMap((d) => [
        slot('AAA', d, 0),
        slot('AAA', d, 1),
        slot('AAA', d, 191),
      ]),
      slot('BBB', '2026-01-05', 10),
      slot('BBB', '2026-02-10', 0),
      slot('BBB', '2026-02-10', 5),
      slot('BBB', '2026-02-27', 100),
      slot('DDD', '2025-12-31', 42, 7.5),
    ]);

    expect((await loadVolumeHistory(db, '2026-03-03', 1)).map((r) => `${r.symbol} ${r.date}`)).toEqual([
      'AAA 2026-03-02',
      'AAA 2026-03-02',
      'AAA 2026-03-02',
      'BBB 2026-02-27',
      'DDD 2025-12-31',
    ]);
    expect(await loadVolumeHistory(db, '2025-12-31', 5)).toEqual([]);
    await expect(loadVolumeHistory(db, '2026-3-3', 5)).rejects.toBeInstanceOf(RangeError);
    await expect(loadVolumeHistory(db, '2026-03-03', 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('streamVolumeHistoryDays yields the same lookback as whole days, a few symbols per query', async () => {
    await upsertVolumeSlots(db, sampleHistory(), 'replace');
    const slots = await loadVolumeHistory(db, '2026-03-03', 3);
    const days = [];
    for await (const d of streamVolumeHistoryDays(db, '2026-03-03', 3, 2)) days.push(d);
    expect(days.map((d) => `${d.symbol} ${d.date}`)).toEqual([
      ...new Set(slots.map((r) => `${r.symbol} ${r.date}`)),
    ]);
    expect(days.length).toBeGreaterThan(2);
    for (const d of days) {
      const expected = new Float64Array(192).fill(NaN);
      for (const r of slots) if (r.symbol === d.symbol && r.date === d.date) expected[r.slot] = r.cumVolume;
      expect(Array.from(d.volumes)).toEqual(Array.from(expected));
    }
  });

  // The definition of the lookback as the brief states it; loadVolumeHistory must return exactly this.
  const windowFunctionOracle = (before: string, n: number) =>
    db.any<VolumeSlotRow>(
      `SELECT symbol, date, slot, cum_volume AS "cumVolume"
         FROM (SELECT *, dense_rank() OVER (PARTITION BY symbol ORDER BY date DESC) AS day_rank
                 FROM volume_slots WHERE date < $1::date) ranked
        WHERE day_rank <= $2
        ORDER BY symbol, date, slot`,
      [before, n],
    );

  it('loadVolumeHistory equals the dense_rank definition and a direct computation on random histories', async () => {
    const symbols = ['A', 'B', 'C'];
    const dates = Array.from({ length: 12 }, (_, i) => `2026-02-${String(i + 10).padStart(2, '0')}`);
    const rowArb = fc.record({
      symbol: fc.constantFrom(...symbols),
      date: fc.constantFrom(...dates),
      slot: fc.integer({ min: 0, max: 191 }),
      cumVolume: fc.integer({ min: 0, max: 1e9 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { maxLength: 60 }),
        fc.constantFrom(...dates),
        fc.integer({ min: 1, max: 6 }),
        async (rows, before, n) => {
          await db.none('TRUNCATE volume_slots');
          await upsertVolumeSlots(db, rows, 'replace');
          const stored = new Map(rows.map((r) => [`${r.symbol} ${r.date} ${r.slot}`, r]));
          const expected = [...stored.values()]
            .filter((r) => {
              const recent = [
                ...new Set(
                  [...stored.values()]
                    .filter((x) => x.symbol === r.symbol && x.date < before)
                    .map((x) => x.date),
                ),
              ]
                .sort()
                .reverse()
                .slice(0, n);
              return recent.includes(r.date);
            })
            .sort(bySlotKey);
          const actual = await loadVolumeHistory(db, before, n);
          expect(actual).toEqual(expected);
          expect(actual).toEqual(await windowFunctionOracle(before, n));
        },
      ),
      { numRuns: 40 },
    );
  });

  const allSlots = () =>
    db.any<VolumeSlotRow>(
      'SELECT symbol, date, slot, cum_volume AS "cumVolume" FROM volume_slots ORDER BY symbol, date, slot',
    );

  it('upsertVolumeSlots replacing is idempotent and a changed value replaces the stored one', async () => {
    const rows = [slot('AAA', '2026-03-02', 0), slot('AAA', '2026-03-02', 1), slot('BBB', '2026-03-02', 0)];
    expect(await upsertVolumeSlots(db, rows, 'replace')).toBe(3);
    expect(await upsertVolumeSlots(db, rows, 'replace')).toBe(0);
    expect(await allSlots()).toEqual(rows);

    // A repeated key in one batch keeps its last value (DO UPDATE would otherwise refuse the batch).
    expect(
      await upsertVolumeSlots(
        db,
        [slot('AAA', '2026-03-02', 1, 5), slot('AAA', '2026-03-02', 1, 6)],
        'replace',
      ),
    ).toBe(1);
    expect(await allSlots()).toEqual([rows[0], slot('AAA', '2026-03-02', 1, 6), rows[2]]);
    // A backfill correcting a value downwards wins.
    expect(await upsertVolumeSlots(db, [slot('AAA', '2026-03-02', 1, 2)], 'replace')).toBe(1);
    expect((await allSlots())[1]).toEqual(slot('AAA', '2026-03-02', 1, 2));
  });

  it('upsertVolumeSlots keeping the greater never lowers a stored cumulative volume (a retried old write)', async () => {
    const newer = [slot('AAA', '2026-03-02', 7, 5_000), slot('BBB', '2026-03-02', 7, 300)];
    expect(await upsertVolumeSlots(db, newer, 'greater')).toBe(2);
    // The older job of the same slots, retried after the newer one landed: smaller values, nothing written.
    const older = [slot('AAA', '2026-03-02', 7, 4_200), slot('BBB', '2026-03-02', 7, 300)];
    expect(await upsertVolumeSlots(db, older, 'greater')).toBe(0);
    expect(await allSlots()).toEqual(newer);
    // A greater value still raises it, and a new slot is inserted.
    const later = [slot('AAA', '2026-03-02', 7, 5_100), slot('AAA', '2026-03-02', 8, 5_150)];
    expect(await upsertVolumeSlots(db, later, 'greater')).toBe(2);
    expect(await allSlots()).toEqual([...later, newer[1]]);
    // A key repeated in one batch keeps its greatest value, wherever it is in the batch.
    const repeated = [slot('CCC', '2026-03-02', 0, 9), slot('CCC', '2026-03-02', 0, 4)];
    expect(await upsertVolumeSlots(db, repeated, 'greater')).toBe(1);
    expect((await allSlots()).at(-1)).toEqual(slot('CCC', '2026-03-02', 0, 9));
  });

  it('upsertVolumeSlots keeping the greater ends at the greatest value whatever order the writes land in', async () => {
    // Every order of a slot's successive live values (jobs retried out of order) leaves the last, greatest one.
    const values = [100, 250, 250, 400, 900];
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(values, { minLength: values.length }), async (order) => {
        await db.none('TRUNCATE volume_slots');
        for (const v of order) await upsertVolumeSlots(db, [slot('AAA', '2026-03-02', 3, v)], 'greater');
        expect(await allSlots()).toEqual([slot('AAA', '2026-03-02', 3, 900)]);
      }),
      { numRuns: 20 },
    );
  });
});

describe('scan_results', () => {
  beforeEach(async () => {
    await db.none('TRUNCATE scan_results');
  });

  const scanRow = (time: string, symbol: string, rank: number): ScanResultRow => ({
    time,
    symbol,
    session: 'MARKET_OPEN',
    price: 10 + rank / 100,
    volumeToday: 1_000_000 + rank,
    changePercent: rank % 2 === 0 ? 3.5 : null,
    rvol: 2.25,
    rvolSlot: null,
    gapFromOpen: -0.5,
    priceFromHigh: -1.25,
    priceFromLow: 4,
    marketCap: null,
    floatShares: 12_000_000,
    score: 30 - rank / 1000,
    rank,
    filtersMatched: rank % 2 === 0 ? ['Tradable price', "Trader's pick"] : [],
    lists: rank === 1 ? ['gappers_up', 'winners'] : [],
  });

  const readBack = () =>
    db.any(
      `SELECT time, symbol, session, price, volume_today, change_percent, rvol, rvol_slot, gap_from_open,
              price_from_high, price_from_low, market_cap, float_shares, score, rank, filters_matched, lists
         FROM scan_results ORDER BY time, symbol`,
    );

  it('insertScanResults is idempotent: a redelivered batch leaves the same rows', async () => {
    const rows = [
      scanRow('2026-03-02T14:45:00.000Z', 'AAA', 1),
      scanRow('2026-03-02T14:45:00.000Z', 'BBB', 2),
    ];
    expect(await insertScanResults(db, rows)).toBe(2);
    const first = await readBack();
    expect(await insertScanResults(db, rows)).toBe(0);
    expect(await readBack()).toEqual(first);
    expect(first[1]).toEqual({
      time: new Date('2026-03-02T14:45:00.000Z'),
      symbol: 'BBB',
      session: 'MARKET_OPEN',
      price: 10.02,
      volume_today: 1_000_002,
      change_percent: 3.5,
      rvol: 2.25,
      rvol_slot: null,
      gap_from_open: -0.5,
      price_from_high: -1.25,
      price_from_low: 4,
      market_cap: null,
      float_shares: 12_000_000,
      score: 30 - 2 / 1000,
      rank: 2,
      filters_matched: ['Tradable price', "Trader's pick"],
      lists: [],
    });
    expect(first[0]).toMatchObject({
      change_percent: null,
      filters_matched: [],
      lists: ['gappers_up', 'winners'],
    });
  });

  it('15,000 scan rows insert in one call', async () => {
    const time = '2026-03-02T15:00:05.000Z';
    const rows = Array.from({ length: 15_000 }, (_, i) =>
      scanRow(time, `S${String(i).padStart(5, '0')}`, i + 1),
    );
    expect(await insertScanResults(db, rows)).toBe(15_000);
    expect(await db.one('SELECT count(*)::int AS n, max(rank) AS r FROM scan_results')).toEqual({
      n: 15_000,
      r: 15_000,
    });
    // A retry of the same scan after a partial failure adds nothing.
    expect(await insertScanResults(db, rows)).toBe(0);
  });
});

describe('timeouts (a stuck database fails a call instead of hanging it)', () => {
  it('cancels a statement that runs past the statement timeout', async () => {
    const quick = createDb(testDatabaseUrl, { statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      await expect(quick.any('SELECT pg_sleep(10)')).rejects.toMatchObject({ code: '57014' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await closeDb(quick);
    }
  });

  it('fails to connect to a server that accepts the connection but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const stuck = createDb(`postgres://postgres@127.0.0.1:${port}/nowhere`, { connectTimeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(stuck.any('SELECT 1')).rejects.toThrow(/timeout/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await closeDb(stuck);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
