import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, createDb, insertScanResults, type Db } from '../shared/db/database.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { GatewayFixture } from '../test/utils/gateway-fixture.js';
import { persistedScan } from '../test/utils/scan-row.js';

/** Volume proportional to the price, so a point's volume tells which row it came from. */
const persisted = (symbol: string, time: string, price: number) =>
  persistedScan(symbol, time, price, { volumeToday: price * 1000, lists: ['winners'] });

describe('GET /api/tickers/:symbol/intraday', () => {
  const schema = withFreshSchema();
  let db: Db;
  let base: string;

  beforeAll(() => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(async () => {
    await closeDb(db);
  });
  beforeEach(async () => {
    const fx = new GatewayFixture();
    onCleanup(() => fx.cleanup());
    await withClient((c) => c.query('TRUNCATE scan_results'), schema.name);
    base = `http://127.0.0.1:${(await fx.start({ db })).port}`;
  });

  it("answers the last price of each minute of the symbol's latest New York day, oldest first", async () => {
    await insertScanResults(db, [
      // 23:30 New York on March 1st: the day before, left out.
      persisted('AAPL', '2026-03-02T04:30:00.000Z', 150),
      persisted('AAPL', '2026-03-02T14:31:05.000Z', 200),
      persisted('AAPL', '2026-03-02T14:31:59.500Z', 201),
      persisted('AAPL', '2026-03-02T14:30:10.000Z', 199),
      persisted('AAPL', '2026-03-02T14:35:00.000Z', 203.5),
      persisted('MSFT', '2026-03-02T14:32:00.000Z', 400),
    ]);
    const res = await fetch(`${base}/api/tickers/aapl/intraday`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      symbol: 'AAPL',
      date: '2026-03-02',
      points: [
        { time: '2026-03-02T14:30:10.000Z', price: 199, volumeToday: 199_000 },
        { time: '2026-03-02T14:31:59.500Z', price: 201, volumeToday: 201_000 },
        { time: '2026-03-02T14:35:00.000Z', price: 203.5, volumeToday: 203_500 },
      ],
    });
  });

  it('shows the last trading day when nothing newer was persisted, and no points for a symbol never persisted', async () => {
    await insertScanResults(db, [
      persisted('AAPL', '2026-02-27T20:59:00.000Z', 180),
      persisted('AAPL', '2026-02-27T14:30:00.000Z', 175),
    ]);
    const friday = (await (await fetch(`${base}/api/tickers/AAPL/intraday`)).json()) as {
      date: string;
      points: unknown[];
    };
    expect(friday.date).toBe('2026-02-27');
    expect(friday.points).toHaveLength(2);
    expect(await (await fetch(`${base}/api/tickers/ZZZZ/intraday`)).json()).toEqual({
      symbol: 'ZZZZ',
      date: null,
      points: [],
    });
  });

  it('refuses a malformed symbol with 400', async () => {
    const res = await fetch(`${base}/api/tickers/%24%24/intraday`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_request' });
  });
});
