import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { readBootstrapStatus } from '../../shared/bus/bootstrap-status.js';
import { MarketCalendar } from '../../shared/market/calendar.js';
import { nyTime, nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import type { ScanRow, SnapshotMessage } from '../../shared/protocol/messages.js';
import { Simulator } from '../../shared/sim/simulator.js';
import { FAKE_API_KEY, startFakeVendor } from '../fake-vendor/server.js';
import { SimMarket } from '../fake-vendor/sim-market.js';
import { onCleanup } from '../utils/cleanup.js';
import { testDatabaseUrl } from '../utils/db.js';
import { startEntry } from '../utils/process.js';
import { freshRedis, storedSnapshot, testRedisUrl } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';

/*
 * The newcomer with a vendor key and an empty database (issue #9, SPEC §12), end to end with the real processes:
 * the fake vendor serves a simulated market (snapshots, reference data, minute bars); `orchestrator/main.ts` and
 * `jobs/main.ts` run as their own processes on a clock set inside a trading session. Before the bootstrap, the
 * lists are served with every row saying what is not ready (`rvolState: warming`, `hasMetadata: false`, score 0)
 * and the leaders of the change lists are already the real movers (SPEC §5: categories from all passing tickers);
 * after it, RVOL is `ok`, scores are not 0, and the score ranking is led by volume, not by the alphabet.
 */

const TICKERS = 120;
const RANKED = 10;

/** 11:00 New York on the next trading day: a session with slots behind it, whatever hour the suite runs at. */
function nextSessionMorning(calendar: MarketCalendar): number {
  return nyWallClockToUtcMs(calendar.nextTradingDay(nyTime(Date.now()).date), 11 * 60);
}

describe('a first start with a vendor key and an empty database', () => {
  const database = `first_start_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`);
    await client.end();
  });

  it('serves lists marked not ready, bootstraps in the background, then ranks by real RVOL', async () => {
    const calendar = new MarketCalendar();
    const start = nextSessionMorning(calendar);
    const wallStart = Date.now();
    const simulator = new Simulator({ tickers: TICKERS, calendar });
    const market = new SimMarket({ simulator, now: () => start + (Date.now() - wallStart) });
    const fake = await startFakeVendor({ market });
    onCleanup(() => fake.close());
    const r = freshRedis();
    onCleanup(r.cleanup);
    const env = {
      TEST_CLOCK_START: new Date(start).toISOString(),
      FEED: 'polygon',
      POLYGON_API_KEY: FAKE_API_KEY,
      MASSIVE_API_KEY: '',
      POLYGON_REST_URL: fake.restUrl,
      POLYGON_WS_URL: fake.wsUrl,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: r.keys.prefix,
      DATABASE_URL: Object.assign(new URL(testDatabaseUrl), { pathname: `/${database}` }).toString(),
      SNAPSHOT_INTERVAL_MS: '1000',
      // Fewer ranked rows than tickers, so that a list drawn from the ranked rows only would miss movers.
      MAX_FILTERED: String(RANKED),
      WORKER_THREADS: '1',
      LOG_LEVEL: 'warn',
    };
    const migrate = startEntry('shared/db/migrate-cli.ts', env);
    await waitFor(() => migrate.child.exitCode === 0, { timeoutMs: 30_000, what: 'the migration' });

    // The orchestrator alone: nothing is known yet, and the rows say so.
    const orchestrator = startEntry('orchestrator/main.ts', env);
    const before = await waitFor(
      async () => {
        const s = await storedSnapshot(r.redis, r.keys, 'gappers_up').catch(() => undefined);
        return s !== undefined && s.rows.length > 0 ? s : false;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `a first gappers_up list\n${orchestrator.output}` },
    );
    for (const row of before.rows) {
      expect(row).toMatchObject({ rvolState: 'warming', hasMetadata: false, rvol: null, score: 0 });
    }
    // Every score is 0, so the score ranking is alphabetical; gappers_up still holds the market's biggest gainers
    // (SPEC §5 fix: categories from all passing tickers), most of them far below the ranked rows.
    const tickers = (market.snapshotAt(market.now()).tickers ?? []) as {
      ticker: string;
      todaysChangePerc: number;
    }[];
    const topGainer = [...tickers].sort((a, b) => b.todaysChangePerc - a.todaysChangePerc)[0]!;
    expect(topGainer.todaysChangePerc).toBeGreaterThan(2);
    expect(before.rows.map((row) => row.symbol)).toContain(topGainer.ticker);
    expect(before.rows.some((row) => row.scoreRank > RANKED)).toBe(true);

    // The jobs process finds the database empty and bootstraps; the orchestrator picks the data up as it lands.
    const jobs = startEntry('jobs/main.ts', env);
    const status = await waitFor(
      async () => {
        const read = await readBootstrapStatus(r.redis, r.keys);
        if (read.ok && read.status?.state === 'failed') throw new Error(read.status.lastError ?? 'failed');
        return read.ok && read.status?.state === 'done' ? read.status : false;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `the bootstrap to finish\n${jobs.output}` },
    );
    expect(status.reason).toBeTruthy();
    expect(fake.rest.requestsTo('aggregates').length).toBeGreaterThanOrEqual(TICKERS);

    const ready = (s: SnapshotMessage) =>
      s.rows.length > 0 && s.rows.every((row: ScanRow) => row.rvolState === 'ok' && row.hasMetadata);
    const after = await waitFor(
      async () => {
        const s = await storedSnapshot(r.redis, r.keys, 'high_volume').catch(() => undefined);
        return s !== undefined && ready(s) ? s : false;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `high_volume rows with RVOL ok\n${orchestrator.output}` },
    );
    expect(after.rows.every((row) => row.rvol !== null && row.rvol >= 2 && row.score > 0)).toBe(true);
    // A row's stored snapshot is the row last sent: metadata that lands without a material move (SPEC §6) reaches
    // it, as it reaches every client, with the row's next material move.
    const gappers = await waitFor(
      async () => {
        const s = await storedSnapshot(r.redis, r.keys, 'gappers_up');
        return s.rows.every((row) => row.rvolState === 'ok' && row.companyName !== null) ? s : false;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `gappers_up rows with RVOL ok and metadata` },
    );
    expect(gappers.rows.length).toBeGreaterThan(0);
    expect(orchestrator.child.exitCode).toBeNull();
    expect(jobs.child.exitCode).toBeNull();
  }, 300_000);
});
