import { describe, expect, it } from 'vitest';
import { onCleanup } from '../utils/cleanup.js';
import { waitFor } from '../utils/wait.js';
import { PolygonRestClient } from '../../shared/vendor/polygon-rest.js';
import { Simulator } from '../../shared/sim/simulator.js';
import { startVendorStream } from '../../feed/vendor-stream.js';
import { BullJobSink } from '../../orchestrator/bull-job-sink.js';
import { DecodePool } from '../../orchestrator/decode-pool.js';
import { PolygonSource } from '../../orchestrator/polygon-source.js';
import { staticReferenceData } from '../../orchestrator/reference-data.js';
import { createLogger } from '../../shared/logger.js';
import { MarketCalendar } from '../../shared/market/calendar.js';
import { nyTime, nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import { orchestratorFor } from '../utils/orchestrator.js';
import { freshRedis, streamMessages } from '../utils/redis.js';
import { ManualClock } from './market.js';
import { FAKE_API_KEY, startFakeVendor } from './server.js';
import { SimMarket } from './sim-market.js';

/*
 * FEED=polygon from end to end over real sockets and a real Redis: the fake vendor serves the simulated
 * market; the orchestrator polls its snapshot, publishes lists and asks for its hot set through BullMQ; the
 * feed's vendor stream (feed/vendor-stream.ts) subscribes the hot symbols on the fake's WebSocket and
 * forwards their `A` bars to the orchestrator's Redis stream; a list moves between snapshots.
 */

const logger = createLogger('test', 'silent');
const TEN_AM = 10 * 60;

/**
 * 10:00 ET on the next trading day. The feed stamps what it receives with the wall clock, and the engine's
 * clock never goes back (orchestrator.ts), so a product clock ahead of the wall applies streamed bars at the
 * snapshot's instant on the same trading day, whatever the time of day the test runs at.
 */
function nextSessionMorning(calendar: MarketCalendar): number {
  return nyWallClockToUtcMs(calendar.nextTradingDay(nyTime(Date.now()).date), TEN_AM);
}

describe('the FEED=polygon path against the fake vendor', () => {
  it('turns a per-second A bar of a hot symbol, subscribed through the product, into a list delta in Redis', async () => {
    const calendar = new MarketCalendar();
    const start = nextSessionMorning(calendar);
    const wallStart = Date.now();
    const productNow = () => start + (Date.now() - wallStart);
    // The market moves only when the test says so, so every delta after the first scan has a known cause.
    const clock = new ManualClock(start);
    const simulator = new Simulator({ tickers: 300, calendar });
    const fake = await startFakeVendor({
      market: new SimMarket({ simulator, now: clock.now }),
      streamEveryMs: 0,
    });
    onCleanup(() => fake.close());
    const r = freshRedis();
    onCleanup(r.cleanup);
    const decoder = new DecodePool({ threads: 1, logger });
    onCleanup(() => decoder.close());
    const jobs = new BullJobSink(r.redis, r.keys);
    onCleanup(() => jobs.close());
    const fatal: Error[] = [];
    const source = new PolygonSource({
      rest: new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0, logger }),
      decoder,
      redis: r.redis,
      keys: r.keys,
      // One poll: the streamed bars are the only thing that can move the lists afterwards.
      intervalMs: 600_000,
      calendar,
      logger,
      now: productNow,
      onFatal: (e) => fatal.push(e),
    });
    const orchestrator = orchestratorFor(r, source, {
      reference: staticReferenceData({ metadata: simulator.metadata() }),
      jobs,
      calendar,
      maxScansPerSecond: 50,
    });
    onCleanup(() => orchestrator.stop());
    await orchestrator.start();
    const feed = startVendorStream({
      apiKey: FAKE_API_KEY,
      url: fake.wsUrl,
      redis: r.redis,
      keys: r.keys,
      calendar,
      logger,
      onFatal: (e) => fatal.push(e),
    });
    onCleanup(() => feed.close());

    // The first scan's lists make the hot set; the fake sees it as subscriptions on its WebSocket.
    await waitFor(
      () => {
        const wanted = fake.ws.subscribedSymbols('A');
        return wanted !== 'all' && wanted.size > 0;
      },
      { timeoutMs: 15_000 },
    );
    const hot = fake.ws.subscribedSymbols('A') as ReadonlySet<string>;
    const published = await streamMessages(r.redis, r.keys);
    const listed = new Set(
      published.flatMap((m) => (m.type === 'snapshot' ? m.rows.map((row) => row.symbol) : [])),
    );
    expect([...hot].every((s) => listed.has(s))).toBe(true);
    expect(fake.ws.actions('subscribe')[0]?.params).toMatch(/^A\.[A-Z]/);

    // Ten market seconds at a time until a bar moves a row past the delta thresholds (SPEC §6).
    const before = published.length;
    const streamed = new Set<string>();
    const movedByBar = async () =>
      (await streamMessages(r.redis, r.keys))
        .slice(before)
        .some((m) => m.type === 'delta' && m.deltas.some((d) => streamed.has(d.symbol)));
    for (let round = 0; round < 6 && !(await movedByBar()); round++) {
      clock.advance(10_000);
      for (const e of fake.stream!.tick()) {
        expect(e.ev).toBe('A');
        expect(hot.has(e.sym)).toBe(true);
        streamed.add(e.sym);
      }
      await waitFor(movedByBar, { timeoutMs: 3_000 }).catch(() => undefined);
    }
    expect(streamed.size).toBeGreaterThan(0);
    expect(await movedByBar()).toBe(true);
    expect(await r.redis.xlen(r.keys.aggregatesStream)).toBeGreaterThan(0);
    expect(fake.rest.requestsTo('snapshot')).toHaveLength(1);
    expect(fatal).toEqual([]);
  });
});
