import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { SnapshotPoller } from '../shared/vendor/snapshot-poller.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { runReplay } from '../shared/replay/replay.js';
import type { SnapshotColumns } from '../shared/vendor/snapshot-columns.js';
import { VendorPayloadError } from '../shared/vendor/errors.js';
import {
  FAKE_API_KEY,
  FAULTS,
  startFakeVendor,
  type FakeRestData,
  type FakeVendor,
} from '../test/fake-vendor/server.js';
import { ny } from '../test/utils/market.js';
import { freshRedis } from '../test/utils/redis.js';
import { DecodePool } from './decode-pool.js';
import { DecodedSnapshotSource } from './decoded-snapshot-source.js';
import type { MarketEvent } from './market-source.js';
import { PolygonSource } from './polygon-source.js';
import { Recorder } from './recorder.js';

/** Waits here span snapshots decoded in a worker thread: longer than waitFor's default on a busy machine. */
const slow = { timeoutMs: 8_000 };

const logger = createLogger('test', 'silent');

const row = (ticker: string, p: number, prev: number) => ({
  ticker,
  day: { o: prev, h: p, l: p, c: p, v: 50_000, vw: p },
  prevDay: { o: prev, h: prev, l: prev, c: prev, v: 40_000, vw: prev },
  updated: ny('09:59') * 1e6,
});

describe('snapshots decoded off the main thread', () => {
  async function vendorWith(
    snapshot: FakeRestData['snapshot'],
  ): Promise<{ vendor: FakeVendor; decoder: DecodePool }> {
    const vendor = await startFakeVendor({ data: { snapshot } });
    const decoder = new DecodePool({ threads: 1, logger });
    onCleanup(() => vendor.close());
    onCleanup(() => decoder.close());
    return { vendor, decoder };
  }

  const rest = (vendor: FakeVendor) =>
    new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, maxRetries: 0, logger });

  it("passes the poller's request options to the REST client: no retries inside one poll", async () => {
    const { vendor, decoder } = await vendorWith(() => ({ status: 'OK', tickers: [row('AAA', 11, 10)] }));
    vendor.rest.inject('snapshot', FAULTS.htmlError(500, 'Internal Server Error'), 10);
    const retrying = new PolygonRestClient({
      baseUrl: vendor.restUrl,
      apiKey: FAKE_API_KEY,
      maxRetries: 3,
      backoff: { initialMs: 1, maxMs: 1 },
      logger,
    });
    const source = new DecodedSnapshotSource(retrying, decoder);
    await expect(source.fullMarketSnapshot({ maxRetries: 0 })).rejects.toThrow(/500/);
    expect(vendor.rest.requestsTo('snapshot')).toHaveLength(1);
  });

  it('hands a body on only after it decoded: a malformed 200 body fails and is not seen', async () => {
    const { vendor, decoder } = await vendorWith(() => ({ status: 'OK', tickers: [row('AAA', 11, 10)] }));
    vendor.rest.inject('snapshot', FAULTS.malformedJson());
    const bodies: string[] = [];
    const source = new DecodedSnapshotSource(rest(vendor), decoder, (bytes) =>
      bodies.push(Buffer.from(bytes).toString('utf8')),
    );

    await expect(source.fullMarketSnapshot({})).rejects.toBeInstanceOf(VendorPayloadError);
    expect(bodies).toEqual([]);
    const { snapshot } = await source.fullMarketSnapshot({});
    expect(snapshot.symbols).toEqual(['AAA']);
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ tickers: [{ ticker: 'AAA' }] });
  });

  it('records only decoded snapshots from the vendor, so a day with a malformed body still replays', async () => {
    const { vendor, decoder } = await vendorWith(() => ({
      status: 'OK',
      tickers: [row('AAA', 11, 10), row('BBB', 9, 10)],
    }));
    vendor.rest.inject('snapshot', FAULTS.malformedJson());
    const r = freshRedis();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rec-')), 'day.ndjson');
    const recorder = new Recorder(file);
    const started = Date.now();
    const events: MarketEvent[] = [];
    const source = new PolygonSource({
      rest: rest(vendor),
      decoder,
      redis: r.redis,
      keys: r.keys,
      intervalMs: 50,
      calendar: new MarketCalendar(),
      logger,
      now: () => ny('10:00') + (Date.now() - started),
      onFatal: () => undefined,
      recorder,
    });
    onCleanup(r.cleanup);
    await source.start((e) => events.push(e));
    await waitFor(
      () => expect(events.filter((e) => e.kind === 'snapshot').length).toBeGreaterThanOrEqual(2),
      slow,
    );
    await source.stop();
    await recorder.close();

    const polls = vendor.rest.requestsTo('snapshot');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // Every snapshot the orchestrator got is in the recording, and nothing else: not the malformed first body.
    expect(polls[0]?.status).toBe(200);
    expect(lines).toHaveLength(events.filter((e) => e.kind === 'snapshot').length);
    expect(lines.length).toBeLessThan(polls.length);
    expect(lines.every((l) => l.includes('"snapshot":{"status":"OK"'))).toBe(true);
    const summary = await runReplay({ lines, file, write: () => undefined });
    expect(summary.skipped).toEqual([]);
    expect(summary.events).toBe(lines.length);
  });

  it('lets the poller count rejected rows by reason, and log the breakdown', async () => {
    const { vendor, decoder } = await vendorWith(() => ({
      status: 'OK',
      tickers: [
        row('AAA', 11, 10),
        row('AAA', 12, 10),
        row('aapl', 11, 10),
        { ticker: 'ZERO', day: { c: 0 }, prevDay: { c: 0 } },
        { ticker: 'STR', day: { c: '12.5' } },
      ],
    }));
    const received: SnapshotColumns[] = [];
    const lines: string[] = [];
    const poller = new SnapshotPoller<SnapshotColumns>({
      source: new DecodedSnapshotSource(rest(vendor), decoder),
      intervalMs: 50,
      now: () => ny('10:00'),
      logger: pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }),
      onSnapshot: (s) => void received.push(s),
    });
    onCleanup(() => poller.stop());
    poller.start();
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(2), slow);
    await poller.stop();

    const snapshots = poller.stats().snapshots;
    expect(poller.stats().rejectedByReason).toEqual({
      no_price: snapshots,
      bad_symbol: snapshots,
      bad_number: snapshots,
      duplicate_ticker: snapshots,
      invalid_row: 0,
    });
    expect(poller.stats().rejectedRows).toBe(4 * snapshots);
    const warning = JSON.parse(lines[0]!) as { msg: string; byReason: Record<string, number> };
    expect(warning.msg).toBe('snapshot rows rejected by the schema');
    expect(warning.byReason).toMatchObject({
      no_price: 1,
      bad_symbol: 1,
      bad_number: 1,
      duplicate_ticker: 1,
    });
  });
});
