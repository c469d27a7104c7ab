import { describe, expect, it } from 'vitest';
import { onCleanup } from '../utils/cleanup.js';
import { waitFor } from '../utils/wait.js';
import { PolygonRestClient } from '../../shared/vendor/polygon-rest.js';
import { Simulator } from '../../shared/sim/simulator.js';
import { createLogger } from '../../shared/logger.js';
import { decodeSnapshot } from '../../shared/vendor/snapshot-decoder.js';
import { ManualClock } from './market.js';
import { FAKE_API_KEY, startFakeVendor, type FakeVendor, type FakeVendorOptions } from './server.js';
import { SimMarket } from './sim-market.js';
import { connectBare, type BareClient } from './testing.js';
import { ny } from '../utils/market.js';

const logger = createLogger('test', 'silent');
const TICKERS = 300;
/** One simulator for the file: its universe and cold start are paid once; its methods are pure in time. */
const simulator = new Simulator({ tickers: TICKERS });

/** The two most traded symbols at `at`: they print nearly every second. */
function liquidPair(at: number): [string, string] {
  const rows = [...(simulator.snapshotAt(at).tickers ?? [])].sort(
    (a, b) => (b.day?.v ?? 0) - (a.day?.v ?? 0),
  );
  return [rows[0]!.ticker, rows[1]!.ticker];
}

let fake: FakeVendor | undefined;
/** Starts the fake vendor for the current test, which closes it when it ends. */
async function startFake(options?: FakeVendorOptions): Promise<FakeVendor> {
  const started = await startFakeVendor(options);
  onCleanup(() => started.close());
  return started;
}

/** A second account: the vendor allows one connection per key and evicts the older one. */
const OTHER_KEY = 'other-account';

async function client(subscribe?: string, key = FAKE_API_KEY): Promise<BareClient> {
  const c = await connectBare(fake!.wsUrl, key);
  onCleanup(() => c.close());
  if (subscribe !== undefined) await c.send('subscribe', subscribe);
  return c;
}

/** Starts the fake on the file's simulator at `clock` (no stream timer); resolves with a product REST client. */
async function restOnSim(clock: ManualClock): Promise<PolygonRestClient> {
  fake = await startFake({ market: new SimMarket({ simulator, now: clock.now }), streamEveryMs: 0 });
  return new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0, logger });
}

describe('the fake vendor fed by the simulator', () => {
  it('serves a full-market snapshot of every simulated ticker that the product decodes without a rejected row', async () => {
    const clock = new ManualClock(ny('10:00'));
    const rest = await restOnSim(clock);

    const columns = decodeSnapshot(Buffer.from(await rest.fullMarketSnapshotBytes()).toString('utf8'));
    expect(columns.count).toBe(TICKERS);
    expect(Object.values(columns.rejected).every((n) => n === 0)).toBe(true);

    const parsed = await rest.fullMarketSnapshot();
    expect(parsed.rejected).toEqual([]);
    expect(parsed.snapshot.tickers).toHaveLength(TICKERS);
    expect(parsed.snapshot.status).toBe('OK');
    const [a, b] = liquidPair(clock.now());
    const filtered = await rest.fullMarketSnapshot({ tickers: [a, b, 'NOPE'] });
    expect(filtered.snapshot.tickers.map((t) => t.ticker).sort()).toEqual([a, b].sort());
  });

  it('serves the market as its clock moves: a later snapshot shows more volume', async () => {
    const clock = new ManualClock(ny('10:00'));
    const rest = await restOnSim(clock);
    const [sym] = liquidPair(ny('10:00'));
    const volume = async () =>
      (await rest.fullMarketSnapshot({ tickers: [sym] })).snapshot.tickers[0]?.min?.av ?? 0;
    const before = await volume();
    clock.advance(10 * 60_000);
    expect(await volume()).toBeGreaterThan(before);
  });

  it('streams A bars of the subscribed symbol only, then its AM bar when the minute closes', async () => {
    const clock = new ManualClock(ny('10:00'));
    fake = await startFake({
      market: new SimMarket({ simulator, now: clock.now }),
      streamEveryMs: 0,
      apiKeys: [FAKE_API_KEY, OTHER_KEY],
    });
    const [sym, other] = liquidPair(clock.now());
    const mine = await client(`A.${sym},AM.${sym}`);
    // Another account wants `other`, so the fake does produce its bars: they must not reach `mine`.
    const theirs = await client(`A.${other}`, OTHER_KEY);

    clock.advance(5_000);
    const sent = fake.stream!.tick();
    await mine.sync();
    await theirs.sync();
    expect(sent.some((e) => e.sym === other)).toBe(true);
    expect(mine.aggregates.length).toBeGreaterThan(0);
    for (const e of mine.aggregates) {
      expect(e).toMatchObject({ ev: 'A', sym });
      expect(e.e - e.s).toBe(1_000);
      expect(e.s).toBeGreaterThanOrEqual(ny('10:00'));
      expect(e.e).toBeLessThanOrEqual(ny('10:00:05'));
    }
    expect(theirs.aggregates.every((e) => e.sym === other && e.ev === 'A')).toBe(true);

    clock.set(ny('10:01'));
    fake.stream!.tick();
    await mine.sync();
    const minute = mine.aggregates.filter((e) => e.ev === 'AM');
    expect(minute).toEqual([expect.objectContaining({ sym, s: ny('10:00'), e: ny('10:01') })]);
    // The minute bar adds up the second bars of the same minute.
    const seconds = mine.aggregates.filter((e) => e.ev === 'A');
    expect(seconds.reduce((sum, e) => sum + e.v, 0)).toBe(minute[0]!.v);
    expect(seconds.at(-1)!.av).toBe(minute[0]!.av);
    expect(mine.aggregates.at(-1)?.ev).toBe('AM');
  });

  it('honours A.* with the bars of every symbol that traded', async () => {
    const clock = new ManualClock(ny('10:00'));
    fake = await startFake({ market: new SimMarket({ simulator, now: clock.now }), streamEveryMs: 0 });
    const all = await client('A.*');
    clock.advance(2_000);
    fake.stream!.tick();
    await all.sync();
    expect(new Set(all.aggregates.map((e) => e.sym)).size).toBeGreaterThan(10);
  });

  it('stops streaming a symbol once it is unsubscribed', async () => {
    const clock = new ManualClock(ny('10:00'));
    fake = await startFake({ market: new SimMarket({ simulator, now: clock.now }), streamEveryMs: 0 });
    const [sym] = liquidPair(clock.now());
    const c = await client(`A.${sym}`);
    expect(await c.send('unsubscribe', `A.${sym}`)).toEqual([
      expect.objectContaining({ status: 'success', message: `unsubscribed to: A.${sym}` }),
    ]);
    clock.advance(5_000);
    expect(fake.stream!.tick()).toEqual([]);
  });

  it('delivers on its own timer from an accelerated market clock, minute bars included', async () => {
    // 60×: a market minute per wall second, so an AM bar closes within about a second.
    fake = await startFake({
      market: new SimMarket({ simulator, start: '2026-03-02T10:00:00-05:00', speed: 60 }),
      streamEveryMs: 100,
    });
    const [sym] = liquidPair(ny('10:00'));
    const c = await client(`AM.${sym},A.${sym}`);
    await waitFor(() => c.aggregates.some((e) => e.ev === 'AM'), { timeoutMs: 10_000 });
    const seconds = c.aggregates.filter((e) => e.ev === 'A');
    expect(seconds.length).toBeGreaterThan(0);
    // Delivered in window order, whatever the number of windows per delivery.
    const ends = c.aggregates.map((e) => e.e);
    expect(ends).toEqual([...ends].sort((x, y) => x - y));
  });
});
