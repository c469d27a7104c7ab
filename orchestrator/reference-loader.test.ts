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
import { BootstrapReloadPolicy } from './bootstrap-follower.js';
import { writeBootstrapStatus, type BootstrapStatus } from '../shared/bus/bootstrap-status.js';
import type { ScanRow } from '../shared/protocol/messages.js';

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

describe('Orchestrator following a first-start bootstrap', () => {
  const status = (s: Partial<BootstrapStatus>): BootstrapStatus => ({
    state: 'running',
    phase: 'metadata',
    step: 'details',
    reason: 'no ticker metadata stored',
    done: 0,
    total: 1,
    errors: 0,
    ratePerSec: 1,
    etaSec: 1,
    requests: 0,
    startedAt: '2026-03-02T14:00:00.000Z',
    updatedAt: new Date().toISOString(),
    finishedAt: null,
    lastError: null,
    ...s,
  });

  it('picks up the metadata and history the bootstrap stores while it runs, without a restart', async () => {
    // Reference data as the database the bootstrap fills: empty, then metadata, then metadata and history.
    let stored: 'nothing' | 'metadata' | 'history' = 'nothing';
    const r = freshRedis();
    onCleanup(r.cleanup);
    const source = new ScriptedSource();
    const o = orchestratorFor(r, source, {
      reference: {
        ...staticReferenceData({}),
        loadMetadata: () => Promise.resolve(stored === 'nothing' ? [] : [metadata('AAA')]),
        loadBaselines: () =>
          Promise.resolve(
            new VolumeHistory(
              stored === 'history' ? historyDays('AAA', ['2026-02-27'], (s) => 1000 * (s + 1)) : [],
            ),
          ),
      },
      bootstrapPollMs: 10,
      bootstrapReloadMs: 20,
    });
    onCleanup(() => o.stop());
    await o.start();
    let second = 0;
    /** The gappers_up row of AAA after a new snapshot, once `done` holds for it. */
    const rowOnceItHolds = (done: (row: ScanRow) => boolean) =>
      waitFor(async () => {
        const scans = o.counters.scans;
        // A new price each time: a row whose figures did not move is not sent again.
        second++;
        source.push(
          snap(`10:00:${String(second % 60).padStart(2, '0')}`, [['AAA', 10.5 + second / 100, 10]]),
        );
        await waitFor(() => o.counters.scans > scans);
        const row = (await publishedRows(r, 'gappers_up'))[0];
        return row !== undefined && done(row) ? row : false;
      });

    const before = await rowOnceItHolds(() => true);
    expect(before).toMatchObject({ companyName: null, rvol: null });

    stored = 'metadata';
    await writeBootstrapStatus(r.redis, r.keys, status({ done: 1 }));
    expect(await rowOnceItHolds((row) => row.companyName !== null)).toMatchObject({
      companyName: 'AAA Inc.',
      rvol: null,
    });

    stored = 'history';
    await writeBootstrapStatus(r.redis, r.keys, status({ phase: 'history', step: 'backfill', done: 1 }));
    await writeBootstrapStatus(r.redis, r.keys, status({ state: 'done', phase: 'history', done: 1 }));
    const after = await rowOnceItHolds((row) => row.rvol !== null);
    expect(after.rvol).toBeGreaterThan(0);
  });
});

describe('BootstrapReloadPolicy', () => {
  const at = (s: Partial<BootstrapStatus>): BootstrapStatus => ({
    state: 'running',
    phase: 'metadata',
    step: 'details',
    reason: '',
    done: 0,
    total: 100,
    errors: 0,
    ratePerSec: 1,
    etaSec: 1,
    requests: 0,
    startedAt: null,
    updatedAt: '',
    finishedAt: null,
    lastError: null,
    ...s,
  });

  it('reloads the phase that moved at most once per period, at once when a phase ends, and once at the end', () => {
    const p = new BootstrapReloadPolicy(30_000);
    expect(p.next(undefined, 0)).toBeUndefined(); // no bootstrap (no key): nothing to follow
    expect(p.next(at({ done: 10 }), 1000)).toEqual({ metadata: true, history: false });
    expect(p.next(at({ done: 20 }), 6000)).toBeUndefined(); // within the period
    expect(p.next(at({ done: 30 }), 31_000)).toEqual({ metadata: true, history: false });
    expect(p.next(at({ done: 30 }), 70_000)).toBeUndefined(); // no progress, no reload
    expect(p.next(at({ done: 40 }), 71_000)).toEqual({ metadata: true, history: false });
    // The metadata phase ended: what it stored last is loaded now, with the history's first symbols.
    expect(p.next(at({ phase: 'history', step: 'backfill', done: 1 }), 72_000)).toEqual({
      metadata: true,
      history: true,
    });
    expect(p.next(at({ phase: 'history', step: 'backfill', done: 50 }), 80_000)).toBeUndefined();
    expect(p.next(at({ state: 'done', phase: 'history', step: 'backfill', done: 100 }), 81_000)).toEqual({
      metadata: false,
      history: true,
    });
    expect(p.next(at({ state: 'done', phase: 'history', done: 100 }), 200_000)).toBeUndefined();
  });

  it('does nothing for a bootstrap that was already over when the orchestrator started', () => {
    const p = new BootstrapReloadPolicy(30_000);
    expect(p.next(at({ state: 'done', phase: 'history' }), 0)).toBeUndefined();
    expect(p.next(at({ state: 'failed', phase: 'metadata' }), 10_000)).toBeUndefined();
  });

  it('reloads both phases when it sees the end without having seen the last phase run', () => {
    const p = new BootstrapReloadPolicy(30_000);
    expect(p.next(at({ done: 10 }), 0)).toEqual({ metadata: true, history: false });
    expect(p.next(at({ state: 'done', phase: 'history', step: 'backfill' }), 1000)).toEqual({
      metadata: true,
      history: true,
    });
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
    const market = (time: string, aaa = 10.5) =>
      snap(
        time,
        [
          ['AAA', aaa, 10],
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
    // The filter AAA now matches is not a material change: clients (and the stored snapshot, the rows last sent)
    // get it with AAA's next material move (SPEC §6).
    const scans = o.counters.scans;
    source.push(market(`10:00:${String(second).padStart(2, '0')}`, 10.6));
    await waitFor(() => o.counters.scans > scans);
    expect((await publishedRows(r, 'gappers_up'))[0]?.filtersMatched).toContain('Five dollars and up');
  });
});
