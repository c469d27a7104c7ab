import { createServer, type Socket } from 'node:net';
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
} from './database.js';
import type { ScanResultRow, TickerMetadata } from './types.js';

const schema = withFreshSchema();
let db: Db;

beforeAll(() => {
  db = createDb(testDatabaseUrl, { schema: schema.name });
});
afterAll(async () => {
  await closeDb(db);
});

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
