import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { waitFor } from '../../test/utils/wait.js';
import { createLogger } from '../logger.js';
import type { Session } from '../scan/sessions.js';
import { FAKE_API_KEY, startFakeVendor } from '../../test/fake-vendor/server.js';
import { engine, ny } from '../../test/utils/market.js';
import { PolygonRestClient } from './polygon-rest.js';
import { SnapshotPoller } from './snapshot-poller.js';

const logger = createLogger('test', 'silent');
const SNAPSHOT_PATH = '/v2/snapshot/locale/us/markets/stocks/tickers';
/** Market time moves this much per poll, so a handful of polls crosses the 09:30 open. */
const STEP_MS = 5_000;

const row = (ticker: string, p: number, prev: number) => ({
  ticker,
  day: { o: prev, h: p, l: p, c: p, v: 50_000, vw: p },
  prevDay: { o: prev, h: prev, l: prev, c: prev, v: 40_000, vw: prev },
  lastTrade: { c: null, i: '1', p, s: 100, t: ny('09:29') * 1e6, x: 4 },
  updated: ny('09:29') * 1e6,
});

describe('the session comes from the local clock and calendar (SPEC §1)', () => {
  it('polls and scans across the open with no HTTP call but the snapshot (fix: the session was fetched per scan)', async () => {
    const vendor = await startFakeVendor({
      data: { snapshot: () => ({ status: 'OK', tickers: [row('AAA', 11, 10), row('BBB', 9, 10)] }) },
    });
    onCleanup(() => vendor.close());
    const rest = new PolygonRestClient({
      baseUrl: vendor.restUrl,
      apiKey: FAKE_API_KEY,
      maxRetries: 0,
      logger,
    });
    const e = engine();
    let now = ny('09:29:50');
    const sessions: Session[] = [];
    const poller = new SnapshotPoller({
      source: rest,
      intervalMs: 10,
      now: () => now,
      logger,
      onSnapshot: (snapshot, at) => {
        e.applySnapshot(at, snapshot.tickers);
        sessions.push(e.scan(at).clock.session);
        now += STEP_MS;
      },
    });
    onCleanup(() => poller.stop());
    poller.start();
    await waitFor(() => expect(sessions.length).toBeGreaterThanOrEqual(6), { timeoutMs: 5_000 });
    await poller.stop();

    expect(sessions.slice(0, 4)).toEqual(['PRE_MARKET', 'PRE_MARKET', 'MARKET_OPEN', 'MARKET_OPEN']);
    const paths = vendor.rest.requests.map((r) => r.path);
    expect(paths.length).toBeGreaterThanOrEqual(sessions.length);
    // Nothing else reached the vendor: no /v1/marketstatus/now (nor anything) per poll or per scan.
    expect(paths.filter((p) => p !== SNAPSHOT_PATH)).toEqual([]);
  });
});
