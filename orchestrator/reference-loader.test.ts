import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { closeDb, createDb, saveFilter, type Db } from '../shared/db/database.js';
import { parseFilter, type ScannerFilter } from '../shared/scan/filters-schema.js';
import { VolumeHistory } from '../shared/scan/history.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { testDatabaseUrl, withFreshSchema } from '../test/utils/db.js';
import { DAY, engine, historyDays, metadata, ny, snapshotRow } from '../test/utils/market.js';
import {
  orchestratorFor,
  publishedRows,
  ScriptedSource,
  silentLogger,
  snap,
} from '../test/utils/orchestrator.js';
import { freshRedis } from '../test/utils/redis.js';
import type { Orchestrator } from './orchestrator.js';
import { databaseReferenceData, staticReferenceData, type ReferenceData } from './reference-data.js';
import { ReferenceLoader } from './reference-loader.js';

const filter = (id: number, name: string, parameters = {}) => parseFilter({ id, name, parameters });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ReferenceLoader', () => {
  it('applies the newest filter load when loads overlap, never an older one that finishes last', async () => {
    const e = engine();
    const loads: ReturnType<typeof deferred<ScannerFilter[]>>[] = [];
    const loader = new ReferenceLoader({
      engine: e,
      reference: {
        ...staticReferenceData({}),
        loadFilters: () => {
          const d = deferred<ScannerFilter[]>();
          loads.push(d);
          return d.promise;
        },
      },
      settings: DEFAULT_SCAN_SETTINGS,
      logger: silentLogger,
      onFailure: () => {},
    });
    const older = loader.reloadFilters();
    const newer = loader.reloadFilters();
    loads[1]!.resolve([filter(2, 'newer')]);
    await newer;
    loads[0]!.resolve([filter(1, 'older')]);
    await older;
    e.applySnapshot(ny('10:00'), [snapshotRow('AAA', { price: 11, prevClose: 10 })]);
    expect(e.scan(ny('10:00')).ranked[0]?.filtersMatched).toEqual(['newer']);
  });
});

describe('Orchestrator reference data', () => {
  function running(reference: ReferenceData, filtersReloadMs = 60_000) {
    const r = freshRedis();
    const source = new ScriptedSource();
    const o: Orchestrator = orchestratorFor(r, source, { reference, filtersReloadMs });
    onCleanup(r.cleanup);
    onCleanup(() => o.stop());
    return { r, source, o };
  }

  it('does not start a periodic filter reload while the previous one is still in flight', async () => {
    let calls = 0;
    const { o } = running(
      {
        ...staticReferenceData({}),
        // The start-up load answers; every later one hangs, like a stuck database.
        loadFilters: () => (++calls === 1 ? Promise.resolve([]) : new Promise<ScannerFilter[]>(() => {})),
      },
      10,
    );
    await o.start();
    await waitFor(() => calls === 2);
    // The assertion itself: 300 ms (thirty reload periods) later, no third load has started.
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(2);
  });

  it('loads the new day’s metadata, filters and baselines at a trading-day rollover', async () => {
    const nextDay = '2026-03-03';
    // Reference data as a database refreshed overnight: `today` moves when the test's market does.
    let today = DAY;
    const baselineDates: string[] = [];
    const { r, source, o } = running({
      loadMetadata: () => Promise.resolve([metadata('AAA', { companyName: `AAA on ${today}` })]),
      loadFilters: () => Promise.resolve([filter(1, `filter of ${today}`)]),
      loadBaselines: (date) => {
        baselineDates.push(date);
        // Only the second day has a previous day on record.
        return Promise.resolve(
          new VolumeHistory(date === nextDay ? historyDays('AAA', [DAY], (s) => 1000 * (s + 1)) : []),
        );
      },
    });
    await o.start();
    source.push(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => o.counters.scans === 1);
    expect((await publishedRows(r, 'gappers_up'))[0]).toMatchObject({
      companyName: `AAA on ${DAY}`,
      filtersMatched: [`filter of ${DAY}`],
      rvol: null,
    });

    today = nextDay;
    source.push(snap('10:00', [['AAA', 10.6, 10]], { date: nextDay }));
    await waitFor(() => o.counters.scans === 2);
    const row = (await publishedRows(r, 'gappers_up'))[0];
    expect(row).toMatchObject({ companyName: `AAA on ${nextDay}`, filtersMatched: [`filter of ${nextDay}`] });
    expect(row?.rvol).toBeGreaterThan(0);
    expect(baselineDates).toEqual([DAY, nextDay]);
  });
});

describe('Orchestrator filters from PostgreSQL', () => {
  const schema = withFreshSchema();
  let db: Db;
  beforeAll(() => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(async () => {
    await closeDb(db);
  });

  it('applies a filter saved in the database mid-run to the next lists, without a restart', async () => {
    const r = freshRedis();
    const source = new ScriptedSource();
    onCleanup(r.cleanup);
    const o = orchestratorFor(r, source, { reference: databaseReferenceData(db), filtersReloadMs: 50 });
    onCleanup(() => o.stop());
    await o.start();
    const market = (time: string) =>
      snap(
        time,
        [
          ['AAA', 10.5, 10],
          ['BBB', 3, 2.5],
        ],
        { volume: 200_000 },
      );
    source.push(market('10:00'));
    await waitFor(() => o.counters.scans === 1);
    const symbols = async () => (await publishedRows(r, 'gappers_up')).map((x) => x.symbol);
    expect(await symbols()).toEqual(['BBB', 'AAA']);

    await saveFilter(db, {
      name: 'Five dollars and up',
      enabled: true,
      priority: 200,
      sessions: [],
      parameters: { minPrice: 5 },
    });
    let second = 5;
    await waitFor(async () => {
      const scans = o.counters.scans;
      source.push(market(`10:00:${String(second++).padStart(2, '0')}`));
      await waitFor(() => o.counters.scans > scans);
      return (await symbols()).join() === 'AAA';
    });
    expect((await publishedRows(r, 'gappers_up'))[0]?.filtersMatched).toContain('Five dollars and up');
  });
});
