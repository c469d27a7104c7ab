import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertAlerts } from '../shared/db/alerts.js';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { GatewayFixture } from '../test/utils/gateway-fixture.js';
import { scanRow } from '../test/utils/scan-row.js';

const alert = (seq: number, ts: string, symbol: string, kind: AlertMessage['kind']): AlertMessage => ({
  type: 'alert',
  epoch: 'e1',
  seq,
  ts,
  kind,
  symbol,
  price: 10,
  value: kind === 'halt' ? null : 10,
  description: `${kind} ${symbol}`,
  list: null,
  row: scanRow(symbol, 3),
});

const STORED = [
  alert(1, '2026-03-02T14:31:00.000Z', 'AAA', 'new_high'),
  alert(2, '2026-03-02T14:31:00.000Z', 'BBB', 'halt'),
  alert(3, '2026-03-02T14:32:00.000Z', 'AAA', 'running_up'),
];

describe('GET /api/alerts (SPEC §14)', () => {
  const schema = withFreshSchema();
  let db: Db;
  let base: string;
  beforeAll(async () => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
    await withClient((c) => c.query('DELETE FROM alerts'), schema.name);
    await insertAlerts(db, STORED);
  });
  afterAll(() => closeDb(db));
  beforeEach(async () => {
    const fx = new GatewayFixture();
    onCleanup(() => fx.cleanup());
    base = `http://127.0.0.1:${(await fx.start({ db })).port}`;
  });

  const get = async (query: string) => {
    const res = await fetch(`${base}/api/alerts${query}`);
    return { status: res.status, body: (await res.json()) as { alerts?: AlertMessage[]; message?: string } };
  };
  const seqs = (b: { alerts?: AlertMessage[] }) => b.alerts?.map((a) => a.seq);

  it('answers the newest alerts in publication order, filtered by since, symbol (any case), kind and limit', async () => {
    const all = await get('');
    expect(all.status).toBe(200);
    expect(all.body.alerts).toEqual(STORED);
    expect(seqs((await get('?symbol=aaa')).body)).toEqual([1, 3]);
    expect(seqs((await get('?kind=halt')).body)).toEqual([2]);
    expect(seqs((await get('?since=2026-03-02T14:31:00Z')).body)).toEqual([3]);
    expect(seqs((await get('?limit=2')).body)).toEqual([2, 3]);
    expect(seqs((await get('?symbol=AAA&kind=running_up&since=2026-03-02T09:00:00-05:00')).body)).toEqual([
      3,
    ]);
  });

  it('refuses a bad parameter with 400 and a message naming it', async () => {
    const cases: [string, RegExp][] = [
      ['?since=yesterday', /since must be an ISO-8601 instant/],
      ['?kind=new_highs', /kind must be one of new_high, new_low/],
      ['?limit=0', /limit must be from 1 to 1000/],
      ['?limit=ten', /limit/],
      ['?symbol=%24%24', /symbol is not a ticker symbol/],
      ['?sym=AAA', /unknown parameter "sym"/],
    ];
    for (const [query, message] of cases) {
      const r = await get(query);
      expect(r.status, query).toBe(400);
      expect(r.body.message, query).toMatch(message);
    }
  });
});
