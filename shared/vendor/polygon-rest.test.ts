import { beforeEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { waitFor } from '../../test/utils/wait.js';
import { createLogger } from '../logger.js';
import { VendorPayloadError } from './errors.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor, type FakeVendor } from '../../test/fake-vendor/server.js';
import { closedPort } from '../../test/utils/net.js';
import { Backoff, parseRetryAfter, sleep } from '../backoff.js';
import {
  VendorAuthError,
  VendorHttpError,
  VendorNetworkError,
  VendorRateLimitedError,
  VendorTimeoutError,
} from './errors.js';
import { PolygonRestClient, type PolygonRestOptions } from './polygon-rest.js';

const silent = createLogger('test', 'silent');
const MINUTE = 60_000;

let fake: FakeVendor;

function client(options: PolygonRestOptions = {}): PolygonRestClient {
  return new PolygonRestClient({
    baseUrl: fake.restUrl,
    apiKey: FAKE_API_KEY,
    timeoutMs: 1_000,
    maxRetries: 2,
    backoff: { initialMs: 10, maxMs: 20 },
    logger: silent,
    ...options,
  });
}

/** Minute bars of one ticker, `n` of them from 2026-03-02 14:30 UTC. */
function minuteBars(n: number): { t: number; o: number; h: number; l: number; c: number; v: number }[] {
  const start = Date.UTC(2026, 2, 2, 14, 30);
  return Array.from({ length: n }, (_, i) => ({
    t: start + i * MINUTE,
    o: 10,
    h: 11,
    l: 9,
    c: 10 + i,
    v: 100,
  }));
}

beforeEach(async () => {
  fake = await startFakeVendor({
    data: {
      bars: (ticker) => (ticker === 'NVDA' ? minuteBars(5) : []),
      tickers: () =>
        ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMD'].map((ticker) => ({ ticker, name: ticker, market: 'stocks' })),
      floats: () =>
        ['AAPL', 'MSFT', 'NVDA'].map((ticker) => ({ ticker, free_float: 1e9, free_float_percent: 90 })),
    },
  });
  onCleanup(() => fake.close()); // the fake of the moment: a test may replace it
});

describe('PolygonRestClient', () => {
  it('fetches the full-market snapshot with the Bearer key, asks for gzip and decodes the gzipped body', async () => {
    const { snapshot, rejected } = await client().fullMarketSnapshot();

    expect(snapshot.status).toBe('OK');
    expect(snapshot.tickers.map((t) => t.ticker)).toEqual(['BCAT']);
    expect(rejected).toEqual([]);
    const [request] = fake.rest.requestsTo('snapshot');
    expect(request?.authorization).toBe(`Bearer ${FAKE_API_KEY}`);
    expect(request?.acceptEncoding).toContain('gzip');
    expect(request?.gzipped).toBe(true);
    expect(request?.query.has('apiKey')).toBe(false);
  });

  it('sends a tickers filter comma-joined, and the fake also accepts the repeated form', async () => {
    const { snapshot } = await client().fullMarketSnapshot({ tickers: ['BCAT', 'NOPE'] });
    expect(fake.rest.requestsTo('snapshot')[0]?.query.get('tickers')).toBe('BCAT,NOPE');
    expect(snapshot.tickers.map((t) => t.ticker)).toEqual(['BCAT']);

    const res = await fetch(
      `${fake.restUrl}/v2/snapshot/locale/us/markets/stocks/tickers?tickers=NOPE&tickers=BCAT&apiKey=${FAKE_API_KEY}`,
    );
    expect(((await res.json()) as { count: number }).count).toBe(1);
  });

  it('fake: a missing key and an unknown key get the vendor 401 bodies; ?apiKey= is accepted', async () => {
    const path = `${fake.restUrl}/v1/marketstatus/now`;
    const missing = await fetch(path);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ status: 'ERROR', error: 'API Key was not provided' });
    const unknown = await fetch(`${path}?apiKey=wrong`);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ status: 'ERROR', error: 'Unknown API Key' });
    expect((await fetch(`${path}?apiKey=${FAKE_API_KEY}`)).status).toBe(200);
  });

  it('turns a 401 into VendorAuthError carrying the vendor message, and never retries it', async () => {
    const error = await client({ apiKey: 'revoked' })
      .fullMarketSnapshot()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VendorAuthError);
    expect((error as VendorAuthError).message).toContain('Unknown API Key');
    expect((error as VendorAuthError).status).toBe(401);
    expect(fake.rest.requests).toHaveLength(1);
  });

  it('turns a 403 "not entitled" into VendorAuthError with the plan message', async () => {
    fake.rest.inject('snapshot', FAULTS.notEntitled());
    const error = await client()
      .fullMarketSnapshot()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VendorAuthError);
    expect((error as VendorAuthError).vendorMessage).toMatch(/^You are not entitled to this data/);
    expect(fake.rest.requests).toHaveLength(1);
  });

  it('waits for Retry-After on a 429, then succeeds', async () => {
    fake.rest.inject('snapshot', FAULTS.rateLimited(1));
    const started = performance.now();
    const { snapshot } = await client().fullMarketSnapshot();
    const waited = performance.now() - started;

    expect(snapshot.tickers).toHaveLength(1);
    expect(fake.rest.requestsTo('snapshot').map((r) => r.status)).toEqual([429, 200]);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(2_500);
  });

  it('gives up with VendorRateLimitedError when the 429s outlast the retries', async () => {
    fake.rest.inject('snapshot', FAULTS.rateLimited(), 10);
    const error = await client()
      .fullMarketSnapshot()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VendorRateLimitedError);
    expect((error as Error).message).toContain("You've exceeded the maximum requests per minute");
    expect(fake.rest.requests).toHaveLength(3);
  });

  it('fails at once when Retry-After asks for longer than the client accepts', async () => {
    fake.rest.inject('snapshot', FAULTS.rateLimited(120));
    const error = await client({ maxRetryAfterMs: 5_000 })
      .fullMarketSnapshot()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VendorRateLimitedError);
    expect((error as VendorRateLimitedError).retryAfterMs).toBe(120_000);
    expect(fake.rest.requests).toHaveLength(1);
  });

  it('reads Retry-After as delta-seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-02T15:00:00Z');
    expect(parseRetryAfter('6', now)).toBe(6_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 15:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 14:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('retries a 5xx HTML page, then fails with a readable VendorHttpError', async () => {
    fake.rest.inject('snapshot', FAULTS.htmlError(502, 'Bad Gateway'), 10);
    const error = await client()
      .fullMarketSnapshot()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VendorHttpError);
    expect((error as VendorHttpError).status).toBe(502);
    expect((error as VendorHttpError).message).toBe(
      'GET /v2/snapshot/locale/us/markets/stocks/tickers: HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx/1.19.2',
    );
    expect(fake.rest.requests).toHaveLength(3);
  });

  it('makes one attempt when the call asks for no retries (a caller that is its own retry loop)', async () => {
    fake.rest.inject('snapshot', FAULTS.htmlError(500, 'Internal Server Error'), 10);
    const error = await client({ maxRetries: 3 })
      .fullMarketSnapshot({ maxRetries: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect((error as VendorHttpError).status).toBe(500);
    expect(fake.rest.requests).toHaveLength(1);
    await expect(client({ maxRetries: 3 }).fullMarketSnapshotBytes({ maxRetries: 0 })).rejects.toBeInstanceOf(
      VendorHttpError,
    );
    expect(fake.rest.requests).toHaveLength(2);
  });

  it('recovers when a 5xx is followed by a good answer', async () => {
    fake.rest.inject('snapshot', FAULTS.htmlError(503, 'Service Unavailable'));
    const { snapshot } = await client().fullMarketSnapshot();
    expect(snapshot.tickers).toHaveLength(1);
    expect(fake.rest.requestsTo('snapshot').map((r) => r.status)).toEqual([503, 200]);
  });

  it('times out a slow response and retries it', async () => {
    fake.rest.inject('snapshot', FAULTS.slow(1_000));
    const { snapshot } = await client({ timeoutMs: 150 }).fullMarketSnapshot();
    expect(snapshot.tickers).toHaveLength(1);
    expect(fake.rest.requestsTo('snapshot')).toHaveLength(2);
  });

  it('reports VendorTimeoutError when every attempt is too slow', async () => {
    fake.rest.inject('snapshot', FAULTS.slow(1_000), 10);
    const error = await client({ timeoutMs: 100, maxRetries: 1 })
      .fullMarketSnapshot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorTimeoutError);
    expect((error as Error).message).toContain('no response within 100 ms');
  });

  it('reports a truncated body as VendorPayloadError, without retrying it', async () => {
    fake.rest.inject('snapshot', FAULTS.truncated());
    const error = await client()
      .fullMarketSnapshot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorPayloadError);
    expect((error as Error).message).toContain('truncated');
    expect(fake.rest.requests).toHaveLength(1);
  });

  it('reports a body that is not JSON as VendorPayloadError', async () => {
    fake.rest.inject('snapshot', FAULTS.malformedJson());
    const error = await client()
      .fullMarketSnapshot()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorPayloadError);
    expect((error as Error).message).toContain('not valid JSON');
  });

  it('retries a refused connection, then reports VendorNetworkError', async () => {
    const error = await client({ baseUrl: `http://127.0.0.1:${await closedPort()}` })
      .marketStatus()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorNetworkError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('follows next_url through aggregate pages, keeping the Bearer header on every page', async () => {
    const pages = [];
    for await (const page of client().aggregates('NVDA', 1, 'minute', '2026-03-02', '2026-03-02', {
      limit: 2,
    })) {
      pages.push(page);
    }

    expect(pages.map((p) => p.results.map((b) => b.c))).toEqual([[10, 11], [12, 13], [14]]);
    const requests = fake.rest.requestsTo('aggregates');
    expect(requests.map((r) => r.authorization)).toEqual(Array(3).fill(`Bearer ${FAKE_API_KEY}`));
    expect(requests[1]?.path).toBe(`/v2/aggs/ticker/NVDA/range/1/minute/${minuteBars(3)[2]?.t}/2026-03-02`);
    expect(requests[1]?.query.has('cursor')).toBe(true);
    expect(pages[2]?.next_url).toBeUndefined();
  });

  it('collects every bar of a range, and an empty range (no `results` on the wire) gives none', async () => {
    const c = client();
    expect(await c.aggregateBars('NVDA', 1, 'minute', '2026-03-02', '2026-03-02', { limit: 3 })).toHaveLength(
      5,
    );
    expect(await c.aggregateBars('NONE', 1, 'minute', '2026-03-02', '2026-03-02')).toEqual([]);

    const raw = (await c.get('/v2/aggs/ticker/NONE/range/1/minute/2026-03-02/2026-03-02')) as object;
    expect(raw).not.toHaveProperty('results');
  });

  it('pages through the tickers list and the float endpoint by cursor', async () => {
    const c = client();
    const tickerPages = [];
    for await (const page of c.tickers({ limit: 2 })) tickerPages.push(page.results.map((t) => t.ticker));
    expect(tickerPages).toEqual([['AAPL', 'AMD'], ['MSFT', 'NVDA'], ['TSLA']]);

    const floats = [];
    for await (const page of c.floats({ limit: 2 })) floats.push(...page.results.map((f) => f.ticker));
    expect(floats).toEqual(['AAPL', 'MSFT', 'NVDA']);
  });

  it('re-targets a next_url naming another host at the configured base, so the key stays on it', async () => {
    await fake.close();
    fake = await startFakeVendor({
      publicBaseUrl: 'https://api.massive.com',
      data: { bars: () => minuteBars(3) },
    });
    const bars = await client().aggregateBars('NVDA', 1, 'minute', '2026-03-02', '2026-03-02', { limit: 1 });
    expect(bars).toHaveLength(3);
    expect(fake.rest.requestsTo('aggregates')).toHaveLength(3);
  });

  it('reads ticker details, and an unknown ticker is a 404 VendorHttpError with the vendor text', async () => {
    const c = client();
    const details = await c.tickerDetails('AAPL');
    expect(details).toMatchObject({ ticker: 'AAPL', market_cap: 2488795282370, sic_code: '3571' });

    const error = await c.tickerDetails('ZZZZ').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorHttpError);
    expect((error as VendorHttpError).status).toBe(404);
    expect((error as VendorHttpError).vendorMessage).toBe('Ticker not found.');
    expect(fake.rest.requestsTo('tickerDetails')).toHaveLength(2);
  });

  it('reads the market status and the upcoming holidays (bare bodies, no envelope)', async () => {
    const c = client();
    expect((await c.marketStatus()).market).toBe('extended-hours');
    const holidays = await c.marketHolidays();
    expect(holidays.length).toBeGreaterThan(0);
    expect(holidays[0]).toMatchObject({ exchange: 'NYSE', name: 'Memorial Day', status: 'closed' });
  });

  it('stops at once, without retrying, when the caller aborts', async () => {
    fake.rest.inject('snapshot', FAULTS.slow(1_000));
    const controller = new AbortController();
    const pending = client().fullMarketSnapshot({ signal: controller.signal });
    await waitFor(() => fake.rest.inFlight === 1);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(fake.rest.requests).toHaveLength(1);
  });
});

describe('Backoff', () => {
  it('draws full-jitter delays under a doubling cap, stops growing at maxMs and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0.999 });
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoff.attempts).toBe(6);

    backoff.reset();
    expect(backoff.next()).toBe(99);
    expect(new Backoff({ initialMs: 100, random: () => 0 }).next()).toBe(0);
  });

  it('sleep() returns early, without rejecting, when its signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(5_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('PolygonRestClient full-market snapshot as bytes (for the decode worker)', () => {
  it('returns the body exactly as served, gzip decoded, and maps errors as the parsed call does', async () => {
    const body = { status: 'OK', count: 1, tickers: [{ ticker: 'AAA', lastTrade: { p: 5 } }] };
    const vendor = await startFakeVendor({ data: { snapshot: () => body } });
    onCleanup(() => vendor.close());
    const client = new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0 });
    const bytes = await client.fullMarketSnapshotBytes();
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toEqual(body);

    vendor.rest.inject('snapshot', FAULTS.unknownKey());
    await expect(client.fullMarketSnapshotBytes()).rejects.toBeInstanceOf(VendorAuthError);
    vendor.rest.inject('snapshot', FAULTS.truncated());
    await expect(client.fullMarketSnapshotBytes()).rejects.toBeInstanceOf(VendorPayloadError);
  });
});
