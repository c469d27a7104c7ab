import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import type { Redis } from 'ioredis';
import { appendAggregates } from '../shared/bus/aggregates.js';
import type { Keys } from '../shared/bus/keys.js';
import type { AggregateEvent } from '../shared/vendor/aggregate-schema.js';
import { VendorAuthError } from '../shared/vendor/errors.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { Simulator } from '../shared/sim/simulator.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor, type FakeVendor } from '../test/fake-vendor/server.js';
import { ny } from '../test/utils/market.js';
import { GatedPool, orchestratorFor, publishedRows } from '../test/utils/orchestrator.js';
import { freshRedis, streamMessages } from '../test/utils/redis.js';
import { DecodePool } from './decode-pool.js';
import { PolygonSource, type PolygonSourceOptions } from './polygon-source.js';
import { staticReferenceData } from './reference-data.js';
import type { ShardRanker } from './scan-pool.js';

/** What the feed process does with a frame of vendor aggregates: append them to the aggregates stream. */
async function forwardAggregates(
  r: { readonly redis: Redis; readonly keys: Keys },
  events: readonly AggregateEvent[],
  receivedAtMs = Date.now(),
): Promise<void> {
  const pipeline = r.redis.pipeline();
  appendAggregates(pipeline, r.keys, events, receivedAtMs);
  const results = (await pipeline.exec()) ?? [];
  for (const [err] of results) if (err) throw err;
}

/** Waits here span a poll, a decode and a scan: longer than waitFor's default on a busy machine. */
const slow = { timeoutMs: 8_000 };

const logger = createLogger('test', 'silent');
const row = (ticker: string, p: number, prev: number) => ({
  ticker,
  day: { o: prev, h: p, l: p, c: p, v: 50_000, vw: p },
  prevDay: { o: prev, h: prev, l: prev, c: prev, v: 40_000, vw: prev },
  min: { av: 50_000, t: ny('09:59'), n: 5, o: p, h: p, l: p, c: p, v: 100, vw: p },
  lastTrade: { c: null, i: '1', p, s: 100, t: ny('09:59') * 1e6, x: 4 },
  updated: ny('09:59') * 1e6,
});

/** Polls `cond` for up to 8 s: a vendor round trip is slower than a scripted source. */

/** A source polling `vendor` into `r`, decoding on `decoder`; `o` sets its interval and clock, and may set more. */
function polygonSource(
  vendor: FakeVendor,
  r: ReturnType<typeof freshRedis>,
  decoder: DecodePool,
  o: Pick<PolygonSourceOptions, 'intervalMs' | 'now'> & Partial<PolygonSourceOptions>,
): PolygonSource {
  return new PolygonSource({
    rest: new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0, logger }),
    decoder,
    redis: r.redis,
    keys: r.keys,
    calendar: new MarketCalendar(),
    logger,
    onFatal: () => {},
    ...o,
  });
}

describe('the orchestrator on the vendor feed (fake vendor over real sockets)', () => {
  async function setup(fatal: (e: VendorAuthError) => void = () => {}) {
    const vendor: FakeVendor = await startFakeVendor({
      data: {
        snapshot: () => ({ status: 'OK', count: 2, tickers: [row('AAA', 11, 10), row('BBB', 9, 10)] }),
      },
    });
    const r = freshRedis();
    const decoder = new DecodePool({ threads: 1, logger });
    const start = Date.now();
    const clock = () => ny('10:00') + (Date.now() - start);
    const source = polygonSource(vendor, r, decoder, {
      // Long enough that the streamed bar is scanned before the next snapshot sets BBB back to 9.
      intervalMs: 3000,
      now: clock,
      onFatal: fatal,
    });
    const o = orchestratorFor(r, source, { maxScansPerSecond: 50 });
    onCleanup(() => vendor.close());
    onCleanup(r.cleanup);
    onCleanup(() => o.stop());
    await o.start();
    return { vendor, r, o, clock };
  }

  it('publishes lists from polled snapshots and moves them with streamed aggregates between snapshots', async () => {
    const { r, clock } = await setup();
    await waitFor(
      async () => (await streamMessages(r.redis, r.keys)).some((m) => m.list === 'gappers_up'),
      slow,
    );
    const first = (await streamMessages(r.redis, r.keys)).find((m) => m.list === 'gappers_up');
    expect(first).toMatchObject({ type: 'snapshot', rows: [{ symbol: 'AAA', changePercent: 10 }] });

    // The feed process forwards a per-second bar for BBB: BBB jumps to +20 % before the next snapshot says so.
    const now = clock();
    await forwardAggregates(
      r,
      [
        {
          ev: 'A',
          sym: 'BBB',
          v: 100,
          av: 60_000,
          op: 10,
          vw: 12,
          o: 12,
          c: 12,
          h: 12,
          l: 12,
          a: 11,
          z: 10,
          s: now - 1000,
          e: now,
        },
      ],
      now,
    );
    await waitFor(
      async () =>
        (await streamMessages(r.redis, r.keys)).some(
          (m) =>
            m.list === 'gappers_up' &&
            m.type === 'delta' &&
            m.deltas.some((d) => d.action === 'add' && d.symbol === 'BBB'),
        ),
      slow,
    );
  });

  it('reports a refused key as fatal and stops polling', async () => {
    let fatal: VendorAuthError | undefined;
    const { vendor } = await setup((e) => (fatal = e));
    vendor.rest.inject('snapshot', FAULTS.unknownKey(), 1000);
    await waitFor(() => fatal !== undefined, slow);
    expect(fatal).toBeInstanceOf(VendorAuthError);
    expect(fatal?.message).toMatch(/Unknown API Key/);
  });
});

describe('the whole vendor path fed by the simulator', () => {
  it('scans the simulated market served in the vendor format by the fake vendor, like the real one', async () => {
    const sim = new Simulator({
      tickers: 300,
      start: '2026-03-02T10:30:00-05:00',
      calendar: new MarketCalendar(),
    });
    const wallStart = Date.now();
    const simNow = () => ny('10:30') + (Date.now() - wallStart);
    const vendor = await startFakeVendor({ data: { snapshot: () => sim.snapshotAt(simNow()) } });
    onCleanup(() => vendor.close());
    const r = freshRedis();
    onCleanup(r.cleanup);
    const decoder = new DecodePool({ threads: 1, logger });
    onCleanup(() => decoder.close());
    const source = polygonSource(vendor, r, decoder, { intervalMs: 200, now: simNow });
    const o = orchestratorFor(r, source, {
      reference: staticReferenceData({ metadata: sim.metadata() }),
      maxScansPerSecond: 50,
    });
    onCleanup(() => o.stop());
    await o.start();
    await waitFor(async () => (await streamMessages(r.redis, r.keys)).length >= 11, slow);
    const first = await streamMessages(r.redis, r.keys);
    const gappers = first.find((m) => m.list === 'gappers_up');
    expect(gappers?.type).toBe('snapshot');
    expect(gappers?.type === 'snapshot' && gappers.rows.length).toBeGreaterThan(0);
    expect(o.counters.noPriceRows).toBe(0);
  });
});

describe('aggregates delivery between orchestrator runs (real Redis)', () => {
  async function vendorAndRedis() {
    const vendor = await startFakeVendor({
      data: {
        snapshot: () => ({ status: 'OK', count: 2, tickers: [row('AAA', 11, 10), row('BBB', 9, 10)] }),
      },
    });
    const r = freshRedis();
    onCleanup(() => vendor.close());
    onCleanup(r.cleanup);
    return { vendor, r };
  }

  /** An orchestrator run on the vendor feed; `consumer` names it in the aggregates group. */
  function run(
    { vendor, r }: Awaited<ReturnType<typeof vendorAndRedis>>,
    o: { consumer: string; pool?: ShardRanker; reclaimIdleMs?: number },
  ) {
    const decoder = new DecodePool({ threads: 1, logger });
    const started = Date.now();
    const source = polygonSource(vendor, r, decoder, {
      intervalMs: 3000,
      now: () => ny('10:00') + (Date.now() - started),
      consumer: o.consumer,
      ...(o.reclaimIdleMs === undefined ? {} : { reclaimIdleMs: o.reclaimIdleMs }),
    });
    const orchestrator = orchestratorFor(r, source, {
      maxScansPerSecond: 50,
      ...(o.pool ? { pool: o.pool } : {}),
    });
    onCleanup(() => decoder.close());
    return { orchestrator, source };
  }

  const bbbBar = (at: number) => ({
    ev: 'A' as const,
    sym: 'BBB',
    v: 100,
    av: 60_000,
    o: 12,
    c: 12,
    h: 12,
    l: 12,
    s: at - 1000,
    e: at,
  });
  const pending = async (r: ReturnType<typeof freshRedis>) =>
    ((await r.redis.xpending(r.keys.aggregatesStream, r.keys.aggregatesGroup)) as [number])[0];

  it('keeps a bar pending while the tick that would apply it is stuck, so the next run reclaims and applies it', async () => {
    const env = await vendorAndRedis();
    const { r } = env;
    const pool = new GatedPool();
    pool.shut();
    const first = run(env, { consumer: 'first', pool });
    onCleanup(async () => {
      pool.open();
      await first.orchestrator.stop();
    });
    await first.orchestrator.start();
    await waitFor(() => pool.waiting === 1, slow); // its first snapshot's scan never ends
    await forwardAggregates(r, [bbbBar(ny('10:00:01'))], ny('10:00:01'));
    await waitFor(async () => (await pending(r)) === 1, slow);
    // The assertion itself: 200 ms on, the bar is still pending (an early acknowledgement would come at once).
    await new Promise((res) => setTimeout(res, 200));
    expect(await pending(r)).toBe(1); // queued behind the stuck tick: not acknowledged

    // The first run dies (its source stops without acknowledging anything); a second run takes over.
    await first.source.stop();
    const second = run(env, { consumer: 'second', reclaimIdleMs: 100 });
    onCleanup(() => second.orchestrator.stop());
    await second.orchestrator.start();
    const bbb = async () =>
      [...(await publishedRows(r, 'gappers_up')), ...(await publishedRows(r, 'gappers_down'))].find(
        (x) => x.symbol === 'BBB',
      );
    // Whether the bar or the snapshot came first, the bar's high (12, above the snapshot's 9) shows it applied.
    await waitFor(async () => (await bbb())?.high === 12, slow);
    await waitFor(async () => (await pending(r)) === 0, slow);
  });

  it('removes its consumer from the group on a graceful stop once everything it received is acknowledged', async () => {
    const env = await vendorAndRedis();
    const { r } = env;
    const { orchestrator } = run(env, { consumer: 'graceful' });
    const consumers = async () =>
      (
        (await r.redis.xinfo('CONSUMERS', r.keys.aggregatesStream, r.keys.aggregatesGroup)) as unknown[][]
      ).map((c) => c[1]);
    await orchestrator.start();
    await waitFor(() => orchestrator.counters.scans >= 1, slow);
    await forwardAggregates(r, [bbbBar(ny('10:00:01'))], ny('10:00:01'));
    await waitFor(async () => (await publishedRows(r, 'gappers_up')).some((x) => x.symbol === 'BBB'), slow);
    expect(await consumers()).toContain('graceful');
    await orchestrator.stop();
    expect(await pending(r)).toBe(0);
    expect(await consumers()).not.toContain('graceful');
  });
});
