import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { waitFor } from '../../test/utils/wait.js';
import { createLogger } from '../logger.js';
import type { FullMarketSnapshot } from './snapshot-schema.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor, type FakeVendor } from '../../test/fake-vendor/server.js';
import { ny } from '../../test/utils/market.js';
import { VendorAuthError, type VendorStaleDataError } from './errors.js';
import { Backoff, type BackoffOptions } from '../backoff.js';
import { PolygonRestClient, type PolygonRestOptions } from './polygon-rest.js';
import { msUntilNextSession, SnapshotPoller, type SnapshotPollerOptions } from './snapshot-poller.js';
import { MarketCalendar } from '../market/calendar.js';

const silent = createLogger('test', 'silent');
/** Monday 2026-03-02 10:00 New York: regular session. */
const OPEN = ny('10:00');
/** Saturday 2026-02-28 10:00 New York: closed all day. */
const SATURDAY = ny('10:00', '2026-02-28');

let fake: FakeVendor;
/** `updated` (ns) of the fake's only row; tests move it to make the data advance. */
let updatedNs: number;

function row(ticker: string) {
  return {
    ticker,
    updated: updatedNs,
    day: { o: 10, h: 11, l: 9, c: 10.5, v: 1000, vw: 10.2 },
    prevDay: { o: 9, h: 10, l: 8, c: 10, v: 900, vw: 9.5 },
  };
}

function startPoller(
  options: Partial<SnapshotPollerOptions> = {},
  restTimeoutMs = 1_000,
  restOptions: PolygonRestOptions = {},
): {
  poller: SnapshotPoller;
  received: { snapshot: FullMarketSnapshot; receivedAtMs: number }[];
} {
  const received: { snapshot: FullMarketSnapshot; receivedAtMs: number }[] = [];
  const source = new PolygonRestClient({
    baseUrl: fake.restUrl,
    apiKey: FAKE_API_KEY,
    timeoutMs: restTimeoutMs,
    maxRetries: 0,
    logger: silent,
    ...restOptions,
  });
  const poller = new SnapshotPoller({
    source,
    intervalMs: 30,
    now: () => OPEN,
    logger: silent,
    onSnapshot: (snapshot, receivedAtMs) => {
      received.push({ snapshot, receivedAtMs });
    },
    ...options,
  });
  onCleanup(() => poller.stop());
  poller.start();
  return { poller, received };
}

beforeEach(async () => {
  updatedNs = OPEN * 1e6;
  fake = await startFakeVendor({
    data: { snapshot: () => ({ status: 'OK', tickers: [row('AAPL'), row('MSFT')] }) },
  });
  onCleanup(() => fake.close()); // the fake of the moment: a test may replace it
});

/**
 * The most requests a poller may make in `windowMs` from its first one while every poll fails: one per poll,
 * each wait at least max(period, the backoff's delay). 2 ms per gap of slack for timer and clock granularity.
 */
function allowedRequests(backoff: BackoffOptions, intervalMs: number, windowMs: number): number {
  const b = new Backoff(backoff);
  let at = 0;
  let requests = 1;
  for (;;) {
    at += Math.max(intervalMs, b.next()) - 2;
    if (at > windowMs) return requests;
    requests++;
  }
}

describe('SnapshotPoller', () => {
  it('polls on its period and hands over each snapshot with the time it was received', async () => {
    const { poller, received } = startPoller();
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(3), { timeoutMs: 2_000 });
    await poller.stop();
    // A request aborted by stop() may reach the fake a moment later: count once that has settled.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const requests = fake.rest.requestsTo('snapshot').length;

    expect(received[0]?.snapshot.tickers.map((t) => t.ticker)).toEqual(['AAPL', 'MSFT']);
    expect(received[0]?.receivedAtMs).toBe(OPEN);
    expect(poller.state).toBe('stopped');
    // The assertion itself: 150 ms (five periods) after stop(), no request has followed.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(fake.rest.requestsTo('snapshot')).toHaveLength(requests);
  });

  it('never has two polls in flight when the vendor is slower than the period', async () => {
    fake.rest.inject('snapshot', FAULTS.slow(120), 4);
    const { received } = startPoller({ intervalMs: 20 });
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(4), { timeoutMs: 3_000 });

    expect(fake.rest.maxInFlight).toBe(1);
    const starts = fake.rest.requestsTo('snapshot').map((r) => r.at);
    for (let i = 1; i < 4; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(110);
  });

  it('wakes at the session opening rather than at its next minute re-check', async () => {
    // 200 ms of wall time before 04:00 on a trading day; the clock runs with the wall clock.
    const wallStart = Date.now();
    const now = () => ny('04:00', '2026-03-02') - 200 + (Date.now() - wallStart);
    const { poller, received } = startPoller({ now });
    await waitFor(() => expect(poller.stats().closedChecks).toBe(1));
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(1), { timeoutMs: 3_000 });
  });

  it('counts the wait until the next session across a weekend and the night', () => {
    const calendar = new MarketCalendar();
    expect(msUntilNextSession(ny('03:59', '2026-03-02'), calendar)).toBe(60_000);
    expect(msUntilNextSession(ny('20:00', '2026-02-27'), calendar)).toBe(
      ny('04:00', '2026-03-02') - ny('20:00', '2026-02-27'),
    );
  });

  it('does not poll while the session is CLOSED, and starts within a re-check once it opens', async () => {
    let now = SATURDAY;
    const { poller, received } = startPoller({ now: () => now, closedRecheckMs: 20 });
    await waitFor(() => poller.stats().closedChecks >= 3);

    expect(fake.rest.requests).toHaveLength(0);
    expect(poller.stats().closedChecks).toBeGreaterThanOrEqual(3);

    now = OPEN;
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(1), { timeoutMs: 1_000 });
  });

  it('reports stale data once after N polls without progress, then fresh once it moves again', async () => {
    const stale: VendorStaleDataError[] = [];
    const fresh: number[] = [];
    const { poller, received } = startPoller({
      staleAfterPolls: 3,
      onStale: (e) => stale.push(e),
      onFresh: (info) => fresh.push(info.afterPolls),
    });
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(7), { timeoutMs: 2_000 });

    expect(stale).toHaveLength(1);
    expect(stale[0]?.polls).toBe(3);
    expect(stale[0]?.lastUpdatedMs).toBe(OPEN);
    expect(stale[0]?.message).toContain('has not advanced for 3 polls');
    expect(poller.stats().stale).toBe(true);
    expect(fresh).toEqual([]);

    updatedNs += 5e9;
    await waitFor(() => expect(fresh).toHaveLength(1), { timeoutMs: 1_000 });
    expect(fresh[0]).toBeGreaterThanOrEqual(6);
    expect(poller.stats().stale).toBe(false);
    expect(stale).toHaveLength(1);
  });

  it('stops on a refused key, reports VendorAuthError through onFatal and polls no more', async () => {
    fake.rest.inject('snapshot', FAULTS.unknownKey(), 100);
    const fatal: VendorAuthError[] = [];
    const { poller } = startPoller({ onFatal: (e) => fatal.push(e) });
    await waitFor(() => expect(fatal).toHaveLength(1), { timeoutMs: 1_000 });
    // The assertion itself: 100 ms (three periods) later, it has not polled again.
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(fatal[0]).toBeInstanceOf(VendorAuthError);
    expect(fatal[0]?.message).toContain('Unknown API Key');
    expect(poller.state).toBe('failed');
    expect(poller.stats().errors.auth).toBe(1);
    expect(fake.rest.requests).toHaveLength(1);
  });

  it('counts a truncated and a malformed body as payload errors, and the next poll is fine', async () => {
    fake.rest.inject('snapshot', FAULTS.truncated());
    fake.rest.inject('snapshot', FAULTS.malformedJson());
    const { poller, received } = startPoller();
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(1), { timeoutMs: 1_000 });

    expect(poller.stats().errors.payload).toBe(2);
    expect(
      fake.rest
        .requestsTo('snapshot')
        .slice(0, 3)
        .map((r) => r.status),
    ).toEqual([200, 200, 200]);
    expect(received[0]?.snapshot.tickers).toHaveLength(2);
  });

  it('counts 5xx and timeouts by kind and keeps polling', async () => {
    fake.rest.inject('snapshot', FAULTS.htmlError(502));
    fake.rest.inject('snapshot', FAULTS.slow(500));
    const { poller, received } = startPoller({}, 100);
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(1), { timeoutMs: 2_000 });

    expect(poller.stats().errors).toMatchObject({ http: 1, timeout: 1, auth: 0 });
    expect(poller.state).toBe('running');
  });

  it('backs off from a vendor answering 500, one request per poll, and resumes its period after recovery', async () => {
    const PERIOD = 25;
    const WINDOW = 1_100;
    // Delays of 99 % of each cap: 24, 49, 99, 198, 396, 396… ms (the cap doubles from one period to 400 ms).
    const backoff = { initialMs: PERIOD, maxMs: 400, random: () => 0.99 };
    fake.rest.inject('snapshot', FAULTS.htmlError(500, 'Internal Server Error'), 10_000);
    // The REST client as production builds it, 3 retries inside a call, with its jitter drawn at 0 (the worst
    // case): were it to retry inside a poll, the retries would follow one another at once.
    const { poller, received } = startPoller({ intervalMs: PERIOD, backoff }, 1_000, {
      maxRetries: 3,
      backoff: { random: () => 0 },
    });
    await waitFor(() => expect(fake.rest.requestsTo('snapshot').length).toBeGreaterThan(0));
    const first = fake.rest.requestsTo('snapshot')[0]!.at;
    // The window under constant 500s (a fixed wait: what is asserted is how few requests it holds).
    await new Promise((resolve) => setTimeout(resolve, first + WINDOW + 20 - Date.now()));
    const failed = fake.rest.requestsTo('snapshot').filter((r) => r.at <= first + WINDOW);

    const allowed = allowedRequests(backoff, PERIOD, WINDOW);
    expect(allowed).toBe(6);
    expect(failed.length).toBeLessThanOrEqual(allowed);
    expect(failed.length).toBeGreaterThanOrEqual(4); // still polling, only slower
    expect(failed.every((r) => r.status === 500)).toBe(true);
    expect(poller.stats().errors.http).toBeGreaterThanOrEqual(failed.length - 1);
    expect(received).toHaveLength(0);

    // The vendor recovers: the first good snapshot resets the backoff, and the period is back.
    fake.rest.clearFaults();
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(5), { timeoutMs: 3_000 });
    const good = fake.rest.requestsTo('snapshot').filter((r) => r.status === 200);
    const gaps = good.slice(1, 5).map((r, i) => r.at - good[i]!.at);
    // Well under the 396 ms the backoff had reached, a few periods at most on a busy machine.
    for (const gap of gaps) expect(gap).toBeLessThan(200);
    expect(poller.state).toBe('running');
  });

  it('counts a failing snapshot handler and keeps polling', async () => {
    let calls = 0;
    const { poller } = startPoller({
      onSnapshot: () => {
        calls++;
        if (calls === 1) throw new Error('handler bug');
      },
    });
    await waitFor(() => expect(calls).toBeGreaterThanOrEqual(3), { timeoutMs: 1_000 });
    expect(poller.stats().errors.handler).toBe(1);
  });

  it('counts rows the schema rejects and still delivers the rest of the snapshot', async () => {
    await fake.close();
    fake = await startFakeVendor({
      data: {
        snapshot: () => ({ status: 'OK', tickers: [row('AAPL'), { ticker: 'BAD', day: { c: 'x' } }] }),
      },
    });
    const { poller, received } = startPoller();
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(1), { timeoutMs: 1_000 });
    expect(received[0]?.snapshot.tickers.map((t) => t.ticker)).toEqual(['AAPL']);
    expect(poller.stats().rejectedRows).toBeGreaterThanOrEqual(1);
    // The row-by-row path has no finer reason than the zod error; the decoded path's reasons are tested in
    // orchestrator/decoded-snapshot-source.test.ts.
    expect(poller.stats().rejectedByReason).toMatchObject({
      invalid_row: poller.stats().rejectedRows,
      no_price: 0,
      duplicate_ticker: 0,
    });
  });

  it('logs a 403 as "not entitled to this data (plan)" and a 401 as "API key refused"', async () => {
    const logged = async (fault: ReturnType<typeof FAULTS.notEntitled>) => {
      const lines: string[] = [];
      fake.rest.inject('snapshot', fault);
      const fatal: VendorAuthError[] = [];
      const { poller } = startPoller({
        logger: pino({ level: 'error' }, { write: (l: string) => void lines.push(l) }),
        onFatal: (e) => fatal.push(e),
      });
      await waitFor(() => expect(fatal).toHaveLength(1), { timeoutMs: 1_000 });
      await poller.stop();
      return JSON.parse(lines[0]!) as { msg: string; status: number };
    };
    expect(await logged(FAULTS.notEntitled())).toMatchObject({
      status: 403,
      msg: 'vendor: not entitled to this data (plan): snapshot polling stopped',
    });
    expect(await logged(FAULTS.unknownKey())).toMatchObject({
      status: 401,
      msg: 'vendor: API key refused: snapshot polling stopped',
    });
  });

  it('stop() aborts a poll in flight and resolves promptly', async () => {
    fake.rest.inject('snapshot', FAULTS.slow(2_000));
    const { poller } = startPoller({}, 5_000);
    await waitFor(() => expect(fake.rest.inFlight).toBe(1), { timeoutMs: 1_000 });

    const started = performance.now();
    await poller.stop();
    expect(performance.now() - started).toBeLessThan(500);
    expect(poller.stats().errors).toMatchObject({ timeout: 0, network: 0, other: 0 });
  });
});
