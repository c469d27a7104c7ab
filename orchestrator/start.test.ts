import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { loadHotMembers } from '../shared/bus/hot-set.js';
import { QUEUES } from '../shared/bus/keys.js';
import { loadConfig } from '../shared/config.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor } from '../test/fake-vendor/server.js';
import { testDatabaseUrl, withFreshSchema } from '../test/utils/db.js';
import { freshRedis, testRedisUrl } from '../test/utils/redis.js';
import { startOrchestrator, withVendorHolidays } from './start.js';

const logger = createLogger('test', 'silent');

describe('the vendor holiday calendar (SPEC §1 overrides)', () => {
  it('closes the market on a day the vendor announces, on top of the NYSE rules', async () => {
    const vendor = await startFakeVendor({
      data: {
        upcoming: () => [
          { date: '2026-03-04', exchange: 'NYSE', name: 'National Day of Mourning', status: 'closed' },
          { date: '2026-03-04', exchange: 'NASDAQ', name: 'National Day of Mourning', status: 'closed' },
        ],
      },
    });
    onCleanup(() => vendor.close());
    const rest = new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0 });
    const calendar = await withVendorHolidays(new MarketCalendar(), rest, logger);
    expect(calendar.day('2026-03-04')).toMatchObject({ trading: false, holiday: 'National Day of Mourning' });
    expect(calendar.isTradingDay('2026-03-03')).toBe(true);
  });

  it('keeps the rules alone when the vendor cannot be read', async () => {
    const vendor = await startFakeVendor();
    onCleanup(() => vendor.close());
    vendor.rest.inject('upcoming', FAULTS.htmlError(), 10);
    const rest = new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0 });
    const calendar = await withVendorHolidays(new MarketCalendar(), rest, logger);
    expect(calendar.isTradingDay('2026-03-04')).toBe(true);
    expect(calendar.isTradingDay('2026-04-03')).toBe(false); // Good Friday, from the rules
  });
});

describe('the hot set under FEED=sim (no feed process)', () => {
  const schema = withFreshSchema();

  it('stores the hot set but enqueues no subscription job, and discards a backlog an earlier version left', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const queue = new Queue(QUEUES.subscriptions, { connection: r.redis, prefix: r.keys.bullPrefix });
    onCleanup(() => queue.close());
    // What a version that enqueued changes under every FEED left behind.
    for (let i = 0; i < 3; i++) await queue.add('change', { subscribe: [`S${i}`], unsubscribe: [] });
    const db = createDb(testDatabaseUrl, { schema: schema.name });
    onCleanup(() => closeDb(db));
    const config = loadConfig({
      FEED: 'sim',
      SIM_TICKERS: '300',
      SIM_START: 'MARKET_OPEN',
      SNAPSHOT_INTERVAL_MS: '250',
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: r.keys.prefix,
      WORKER_THREADS: '1',
    });
    const running = await startOrchestrator(config, { logger, redis: r.redis, db, onFatal: () => undefined });
    onCleanup(() => running.close());

    // Several scans with a hot set, each of which would have enqueued a change before.
    await waitFor(async () => (await loadHotMembers(r.redis, r.keys)).length > 0, { timeoutMs: 15_000 });
    await waitFor(async () => (await r.redis.xlen(r.keys.messagesStream)) >= 20, { timeoutMs: 15_000 });
    const counts = await queue.getJobCounts(
      'waiting',
      'delayed',
      'prioritized',
      'active',
      'completed',
      'failed',
    );
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  }, 40_000);
});
