import { describe, expect, it } from 'vitest';
import { loadOrchestratorStatus } from '../shared/bus/orchestrator-status.js';
import { newestPublishedTs } from '../shared/bus/list-snapshots.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { Simulator } from '../shared/sim/simulator.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor, type RestFault } from '../test/fake-vendor/server.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { ny } from '../test/utils/market.js';
import { orchestratorFor, ScriptedSource, snap } from '../test/utils/orchestrator.js';
import { freshRedis, streamMessages } from '../test/utils/redis.js';
import { waitFor } from '../test/utils/wait.js';
import { DecodePool } from './decode-pool.js';
import { PolygonSource } from './polygon-source.js';
import { SimSource, simStart } from './sim-source.js';
import { sourceVerdict } from './status-reporter.js';

const logger = createLogger('test', 'silent');
const STALE_AFTER_MS = 1_000;
/** Generous bounds for what takes a poll, a decode, a scan and a report on a busy machine. */
const slow = { timeoutMs: 8_000 };

/** A vendor row whose `updated` is now, so the data keeps moving (the poller's own watchdog stays quiet). */
const movingRow = (ticker: string, p: number) => ({
  ticker,
  day: { o: 10, h: p, l: p, c: p, v: 50_000, vw: p },
  prevDay: { o: 10, h: 10, l: 10, c: 10, v: 40_000, vw: 10 },
  min: { av: 50_000, t: Date.now(), n: 5, o: p, h: p, l: p, c: p, v: 100, vw: p },
  lastTrade: { c: null, i: '1', p, s: 100, t: Date.now() * 1e6, x: 4 },
  updated: Date.now() * 1e6,
});

/** An orchestrator on the fake vendor, at New York `time` on the test day as the market clock. */
async function onVendor(time = '10:00') {
  const vendor = await startFakeVendor({
    data: { snapshot: () => ({ status: 'OK', count: 1, tickers: [movingRow('AAA', 11)] }) },
  });
  onCleanup(() => vendor.close());
  const r = freshRedis();
  onCleanup(r.cleanup);
  const decoder = new DecodePool({ threads: 1, logger });
  onCleanup(() => decoder.close());
  const started = Date.now();
  const source = new PolygonSource({
    rest: new PolygonRestClient({
      baseUrl: vendor.restUrl,
      apiKey: FAKE_API_KEY,
      maxRetries: 0,
      timeoutMs: 300,
      logger,
    }),
    decoder,
    redis: r.redis,
    keys: r.keys,
    calendar: new MarketCalendar(),
    logger,
    onFatal: () => {},
    intervalMs: 150,
    // Recovery within a few periods once the vendor answers again.
    backoff: { initialMs: 100, maxMs: 200 },
    now: () => ny(time) + (Date.now() - started),
  });
  const o = orchestratorFor(r, source, {
    maxScansPerSecond: 50,
    staleAfterMs: STALE_AFTER_MS,
    reportEveryMs: 100,
  });
  onCleanup(() => o.stop());
  await o.start();
  const state = async () => (await loadOrchestratorStatus(r.redis, r.keys)).state;
  const sourceStale = () => r.redis.hget(r.keys.orchestratorMetrics, 'sourceStale');
  return { vendor, r, o, state, sourceStale };
}

describe("the orchestrator's verdict on its source", () => {
  const at = { session: 'MARKET_OPEN', sourceStale: false, expectingSinceMs: 0, staleAfterMs: 100 } as const;

  it('is live while a snapshot was published within staleAfterMs, stale after, closed without a session', () => {
    expect(sourceVerdict({ ...at, freshAtMs: 1_000, nowMs: 1_100 })).toBe('live');
    expect(sourceVerdict({ ...at, freshAtMs: 1_000, nowMs: 1_101 })).toBe('stale');
    expect(sourceVerdict({ ...at, freshAtMs: undefined, nowMs: 101 })).toBe('stale');
    expect(sourceVerdict({ ...at, session: 'CLOSED', freshAtMs: undefined, nowMs: 5_000 })).toBe('closed');
  });

  it('gives a start or a session opening one staleAfterMs of grace, and trusts the source when it says stale', () => {
    expect(sourceVerdict({ ...at, freshAtMs: 0, expectingSinceMs: 1_000, nowMs: 1_050 })).toBe('live');
    expect(sourceVerdict({ ...at, sourceStale: true, freshAtMs: 1_000, nowMs: 1_000 })).toBe('stale');
  });
});

describe('freshness on the vendor feed (fake vendor over real sockets, real Redis)', () => {
  const faults: readonly [string, () => RestFault][] = [
    ['429', () => FAULTS.rateLimited()],
    ['500', () => FAULTS.htmlError(500, 'Internal Server Error')],
    ['malformed JSON', () => FAULTS.malformedJson()],
    ['a timeout', () => FAULTS.slow(2_000)],
  ];

  it.each(faults)(
    'turns stale within STALE_AFTER_MS while every poll gets %s, and live again once the vendor recovers',
    async (_name, fault) => {
      const { vendor, state, sourceStale } = await onVendor();
      await waitFor(async () => (await state()) === 'live', slow);
      vendor.rest.inject('snapshot', fault(), 10_000);
      // STALE_AFTER_MS, plus a poll period and two report periods of slack.
      await waitFor(async () => (await state()) === 'stale', {
        timeoutMs: STALE_AFTER_MS + 1_000,
        what: 'stale',
      });
      expect(await sourceStale()).toBe('1');
      vendor.rest.clearFaults();
      await waitFor(async () => (await state()) === 'live', slow);
      expect(await sourceStale()).toBe('0');
    },
  );

  it('reports closed outside market hours, at least once a second, without polling', async () => {
    const { vendor, r, state } = await onVendor('21:00');
    await waitFor(async () => (await state()) === 'closed', slow);
    const first = (await loadOrchestratorStatus(r.redis, r.keys)).reportedAtMs!;
    await waitFor(async () => (await loadOrchestratorStatus(r.redis, r.keys)).reportedAtMs! > first, slow);
    expect((await loadOrchestratorStatus(r.redis, r.keys)).session).toBe('CLOSED');
    expect(vendor.rest.requestsTo('snapshot')).toHaveLength(0);
  });
});

describe("the orchestrator's report", () => {
  it('says down once the orchestrator stopped, and keeps when the published data was received', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const source = new ScriptedSource();
    const o = orchestratorFor(r, source, { reportEveryMs: 50 });
    onCleanup(() => o.stop());
    await o.start();
    const before = Date.now();
    source.push(snap('10:00', [['AAA', 11, 10]]));
    await waitFor(async () => (await loadOrchestratorStatus(r.redis, r.keys)).receivedAtMs !== undefined);
    const status = await loadOrchestratorStatus(r.redis, r.keys);
    expect(status).toMatchObject({ state: 'live', session: 'MARKET_OPEN' });
    // Wall clock, not the event's market instant (another day).
    expect(status.receivedAtMs).toBeGreaterThanOrEqual(before);
    await o.stop();
    expect(await loadOrchestratorStatus(r.redis, r.keys)).toMatchObject({
      state: 'down',
      receivedAtMs: status.receivedAtMs,
    });
  });
});

describe('the simulator across an orchestrator restart', () => {
  /** One orchestrator run on a real simulator started where simStart says, until it published `scans` scans. */
  async function run(r: ReturnType<typeof freshRedis>, scans: number): Promise<void> {
    const calendar = new MarketCalendar();
    const start = await simStart('2026-03-02T10:30:00-05:00', { redis: r.redis, keys: r.keys, calendar });
    const sim = new Simulator({ tickers: 200, start, speed: 60, snapshotEveryMs: 100, calendar });
    const decoder = new DecodePool({ threads: 1, logger });
    onCleanup(() => decoder.close());
    const o = orchestratorFor(r, new SimSource(sim, decoder, logger), { maxScansPerSecond: 50 });
    onCleanup(() => o.stop());
    await o.start();
    await waitFor(() => o.counters.scans >= scans, slow);
    await o.stop();
  }

  it('continues its clock after the last published instant, so no ts goes back within the epoch', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    await run(r, 3);
    const lastOfFirst = (await newestPublishedTs(r.redis, r.keys))!;
    // At speed 60 the first run got well past SIM_START: a restart from SIM_START would go back minutes.
    expect(lastOfFirst).toBeGreaterThan(ny('10:30'));
    const published = (await streamMessages(r.redis, r.keys)).length;
    await run(r, 2);
    const second = (await streamMessages(r.redis, r.keys)).slice(published);
    expect(second.length).toBeGreaterThan(0);
    expect(second.every((m) => m.epoch === second[0]!.epoch)).toBe(true);
    for (const m of second) expect(Date.parse(m.ts)).toBeGreaterThan(lastOfFirst);
  });

  it('starts at SIM_START when nothing newer was published', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const calendar = new MarketCalendar();
    expect(await simStart('2026-03-02T10:30:00-05:00', { redis: r.redis, keys: r.keys, calendar })).toBe(
      '2026-03-02T10:30:00-05:00',
    );
  });
});
