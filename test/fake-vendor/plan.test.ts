import { describe, expect, it } from 'vitest';
import { onCleanup } from '../utils/cleanup.js';
import { VendorAuthError } from '../../shared/vendor/errors.js';
import { PolygonRestClient } from '../../shared/vendor/polygon-rest.js';
import { Simulator } from '../../shared/sim/simulator.js';
import { createLogger } from '../../shared/logger.js';
import { decodeSnapshot } from '../../shared/vendor/snapshot-decoder.js';
import { ManualClock } from './market.js';
import { DELAYED_BY_MS } from './plan.js';
import { FAKE_API_KEY, startFakeVendor, type FakeVendor, type FakeVendorOptions } from './server.js';
import { SimMarket } from './sim-market.js';
import { connectBare } from './testing.js';
import { ny } from '../utils/market.js';
import { anyString, stringMatching } from '../utils/matchers.js';

const logger = createLogger('test', 'silent');
const simulator = new Simulator({ tickers: 200 });
const OTHER_KEY = 'other-account';
const NOT_ENTITLED =
  'You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing';
const RATE_LIMITED =
  "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing";
const SNAPSHOT = '/v2/snapshot/locale/us/markets/stocks/tickers';

let fake: FakeVendor | undefined;
/** Starts the fake vendor for the current test, which closes it when it ends. */
async function startFake(options?: FakeVendorOptions): Promise<FakeVendor> {
  const started = await startFakeVendor(options);
  onCleanup(() => started.close());
  return started;
}

async function start(options: FakeVendorOptions): Promise<FakeVendor> {
  fake = await startFake({ apiKeys: [FAKE_API_KEY, OTHER_KEY], streamEveryMs: 0, ...options });
  return fake;
}

async function get(
  path: string,
  key = FAKE_API_KEY,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake!.restUrl}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function subscribe(params: string) {
  const c = await connectBare(fake!.wsUrl, FAKE_API_KEY);
  onCleanup(() => c.close());
  return { client: c, acks: await c.send('subscribe', params) };
}

const rest = () =>
  new PolygonRestClient({ baseUrl: fake!.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0, logger });

describe('the free plan', () => {
  it("refuses every snapshot endpoint with the vendor's 403 NOT_AUTHORIZED body, which the product reports", async () => {
    await start({ plan: 'free' });
    for (const path of [SNAPSHOT, `${SNAPSHOT}/AAPL`, '/v2/snapshot/locale/us/markets/stocks/gainers']) {
      const { status, body } = await get(path);
      expect(status).toBe(403);
      expect(body).toEqual({
        status: 'NOT_AUTHORIZED',
        request_id: stringMatching(/^[0-9a-f]{32}$/),
        message: NOT_ENTITLED,
      });
    }
    const error = await rest()
      .fullMarketSnapshot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorAuthError);
    expect((error as Error).message).toContain(NOT_ENTITLED);
  });

  it('answers the sixth request within a minute with 429 and admits the key again a minute later', async () => {
    let wall = ny('10:00');
    await start({ plan: 'free', wallNow: () => wall });
    for (let i = 0; i < 5; i++) expect((await get('/v1/marketstatus/now')).status).toBe(200);
    wall += 30_000;
    expect(await get('/v1/marketstatus/upcoming')).toEqual({
      status: 429,
      body: { status: 'ERROR', request_id: anyString(), error: RATE_LIMITED },
    });
    // The limit is per account.
    expect((await get('/v1/marketstatus/now', OTHER_KEY)).status).toBe(200);
    wall += 30_001;
    expect((await get('/v1/marketstatus/now')).status).toBe(200);
  });

  it("serves past bars but refuses today's with the end-of-day 403", async () => {
    await start({ plan: 'free', wallNow: () => ny('10:00') });
    expect((await get('/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04')).body).toMatchObject({
      status: 'OK',
      resultsCount: 2,
    });
    expect(await get('/v2/aggs/ticker/AAPL/range/1/minute/2026-02-27/2026-03-02')).toEqual({
      status: 403,
      body: {
        status: 'NOT_AUTHORIZED',
        request_id: anyString(),
        message:
          "Attempted to request today's data before end of day. Please upgrade your plan at https://polygon.io/pricing",
      },
    });
  });

  it('authenticates a WebSocket but refuses every subscription with error / not authorized', async () => {
    await start({ plan: 'free' });
    const { client, acks } = await subscribe('A.AAPL,AM.AAPL');
    expect(client.statuses.map((s) => s.status)).toContain('auth_success');
    expect(acks).toEqual([
      { ev: 'status', status: 'error', message: 'not authorized' },
      { ev: 'status', status: 'error', message: 'not authorized' },
    ]);
  });
});

describe('the delayed plan', () => {
  it('serves the market fifteen minutes late, labelled DELAYED, without trades or quotes', async () => {
    const clock = new ManualClock(ny('10:30'));
    await start({ plan: 'delayed', market: new SimMarket({ simulator, now: clock.now }) });
    const parsed = await rest().fullMarketSnapshot();
    expect(parsed.snapshot.status).toBe('DELAYED');
    expect(parsed.rejected).toEqual([]);
    const rows = parsed.snapshot.tickers;
    expect(rows.some((r) => r.lastTrade !== undefined || r.lastQuote !== undefined)).toBe(false);
    const volumes = (body: { tickers?: readonly { ticker: string; day?: { v?: number } }[] | null }) =>
      Object.fromEntries((body.tickers ?? []).map((t) => [t.ticker, t.day?.v] as const));
    expect(volumes(parsed.snapshot)).toEqual(volumes(simulator.snapshotAt(ny('10:15'))));
    expect(volumes(parsed.snapshot)).not.toEqual(volumes(simulator.snapshotAt(ny('10:30'))));

    // Without lastTrade the product prices each row from its minute bar: nothing is rejected.
    const columns = decodeSnapshot(Buffer.from(await rest().fullMarketSnapshotBytes()).toString('utf8'));
    expect(columns.count).toBe(200);
    const first = rows[0]!.ticker;
    expect((await get(`${SNAPSHOT}/${first}`)).body.status).toBe('DELAYED');
    expect((await get('/v2/snapshot/locale/us/markets/stocks/losers')).body.status).toBe('DELAYED');
    // History too: today's minute bars end fifteen minutes ago.
    const bars = await rest().aggregateBars(first, 1, 'minute', ny('00:00'), ny('23:59'));
    expect(bars.at(-1)!.t).toBeLessThan(ny('10:15'));
    expect(bars.at(-1)!.t).toBeGreaterThanOrEqual(ny('10:14') - 10 * 60_000);
    expect((await get(`/v2/aggs/ticker/${first}/range/1/day/2026-02-26/2026-02-27`)).body).toMatchObject({
      status: 'DELAYED',
      resultsCount: 2,
    });
  });

  it('refuses the real-time-only channels and streams the aggregates fifteen minutes late', async () => {
    const clock = new ManualClock(ny('10:30'));
    await start({ plan: 'delayed', market: new SimMarket({ simulator, now: clock.now }) });
    const sym = (simulator.snapshotAt(ny('10:15')).tickers ?? [])
      .map((t) => ({ s: t.ticker, v: t.day?.v ?? 0 }))
      .sort((a, b) => b.v - a.v)[0]!.s;
    const { client, acks } = await subscribe(`Q.${sym},LULD.${sym},NOI.${sym},A.${sym}`);
    expect(acks.map((a) => `${a.status}: ${a.message}`)).toEqual([
      'error: not authorized',
      'error: not authorized',
      'error: not authorized',
      `success: subscribed to: A.${sym}`,
    ]);
    clock.advance(5_000);
    fake!.stream!.tick();
    await client.sync();
    expect(client.aggregates.length).toBeGreaterThan(0);
    for (const e of client.aggregates) {
      expect(e.s).toBeGreaterThanOrEqual(ny('10:30') - DELAYED_BY_MS);
      expect(e.e).toBeLessThanOrEqual(ny('10:30:05') - DELAYED_BY_MS);
    }
  });
});

describe('the real-time plan (the default)', () => {
  it('serves every field with status OK, and OTC rows only when include_otc=true', async () => {
    const row = (ticker: string, otc: boolean) => ({
      ticker,
      day: { o: 1, h: 1, l: 1, c: 1, v: 20_000, vw: 1, ...(otc ? { otc: true } : {}) },
      prevDay: { o: 1, h: 1, l: 1, c: 1, v: 10, vw: 1 },
      lastTrade: { c: null, i: '1', p: 1, s: 100, t: 1, x: 4 },
      lastQuote: { P: 1.01, S: 1, p: 0.99, s: 1, t: 1 },
      todaysChangePerc: otc ? 50 : 10,
    });
    await start({
      data: { snapshot: () => ({ status: 'OK', tickers: [row('LIST', false), row('PINK', true)] }) },
    });
    const listed = await get(SNAPSHOT);
    expect(listed.body).toMatchObject({ status: 'OK', count: 1, tickers: [row('LIST', false)] });
    expect((await get(`${SNAPSHOT}?include_otc=true`)).body).toMatchObject({ count: 2 });
    const gainers = await get('/v2/snapshot/locale/us/markets/stocks/gainers');
    expect((gainers.body.tickers as { ticker: string }[]).map((t) => t.ticker)).toEqual(['LIST']);
    const withOtc = await get('/v2/snapshot/locale/us/markets/stocks/gainers?include_otc=true');
    expect((withOtc.body.tickers as { ticker: string }[]).map((t) => t.ticker)).toEqual(['PINK', 'LIST']);
  });
});
