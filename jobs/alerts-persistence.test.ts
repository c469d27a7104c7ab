import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../shared/bus/keys.js';
import { PersistJobQueue } from '../shared/bus/persistence-jobs.js';
import { insertAlerts, queryAlerts } from '../shared/db/alerts.js';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { createLogger } from '../shared/logger.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { freshRedis } from '../test/utils/redis.js';
import { scanRow } from '../test/utils/scan-row.js';
import { waitFor } from '../test/utils/wait.js';
import { startAlertsRetention } from './alerts-retention.js';
import { startPersistenceWorker } from './persistence-worker.js';

const alert = (
  seq: number,
  ts: string,
  symbol: string,
  kind: AlertMessage['kind'],
  list: AlertMessage['list'] = null,
): AlertMessage => ({
  type: 'alert',
  epoch: 'e1',
  seq,
  ts,
  kind,
  symbol,
  price: 10.5,
  value: kind === 'entered_list' ? 3 : kind === 'halt' ? null : 10.5,
  description: `${kind} ${symbol}`,
  list,
  row: scanRow(symbol, 7, { price: 10.5 }),
});

describe('alerts persistence through the jobs queue (real Redis and PostgreSQL)', () => {
  const schema = withFreshSchema();
  let db: Db;
  beforeAll(() => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(() => closeDb(db));

  const count = () =>
    withClient(
      async (c) => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM alerts')).rows[0]!.n),
      schema.name,
    );

  const SCAN = [
    alert(1, '2026-03-02T14:31:00.000Z', 'AAA', 'new_high'),
    alert(2, '2026-03-02T14:31:00.000Z', 'AAA', 'entered_list', 'gappers_up'),
    alert(3, '2026-03-02T14:31:00.000Z', 'AAA', 'entered_list', 'winners'),
    alert(4, '2026-03-02T14:31:00.000Z', 'BBB', 'halt'),
  ];

  it('writes each alert once although the job runs again, and reads back the messages that were published', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const queue = new PersistJobQueue(r.redis, r.keys);
    onCleanup(() => queue.close());
    const worker = startPersistenceWorker({
      connection: r.redis.duplicate({ maxRetriesPerRequest: null }),
      keys: r.keys,
      db,
      logger: createLogger('test', 'silent'),
    });
    onCleanup(() => worker.close());
    const jobs = new Queue(QUEUES.persistence, { connection: r.redis, prefix: r.keys.bullPrefix });
    onCleanup(() => jobs.close());

    await queue.add({ kind: 'alerts', alerts: SCAN });
    await waitFor(async () => (await jobs.getJobCounts('completed')).completed === 1, { timeoutMs: 10_000 });
    // The same job run again (a redelivery after a crash, a retry after a partial failure).
    const [done] = await jobs.getJobs(['completed']);
    await done!.retry('completed');
    await queue.add({ kind: 'alerts', alerts: SCAN }); // and enqueued twice
    await waitFor(async () => (await jobs.getJobCounts('completed')).completed === 2, { timeoutMs: 10_000 });
    expect(await count()).toBe(4);
    const returned = (await jobs.getJobs(['completed'])).map(
      (j) => (j.returnvalue as { written: number }).written,
    );
    // Both the re-run (first run: 4) and the second job wrote nothing.
    expect(returned.sort()).toEqual([0, 0]);

    expect(await queryAlerts(db, { limit: 200 })).toEqual(SCAN);
  });

  it('answers by symbol, kind, since and limit, newest alerts in publication order', async () => {
    const later = [
      alert(5, '2026-03-02T14:32:00.000Z', 'AAA', 'running_up'),
      alert(6, '2026-03-02T14:33:00.000Z', 'CCC', 'new_low'),
    ];
    await withClient(async (c) => c.query('DELETE FROM alerts'), schema.name);
    expect(await insertAlerts(db, [...SCAN, ...later])).toBe(6);
    const seqs = (xs: AlertMessage[]) => xs.map((a) => a.seq);
    expect(seqs(await queryAlerts(db, { symbol: 'AAA', limit: 200 }))).toEqual([1, 2, 3, 5]);
    expect(seqs(await queryAlerts(db, { kind: 'entered_list', limit: 200 }))).toEqual([2, 3]);
    expect(seqs(await queryAlerts(db, { since: new Date('2026-03-02T14:31:00.000Z'), limit: 200 }))).toEqual([
      5, 6,
    ]);
    expect(seqs(await queryAlerts(db, { limit: 2 }))).toEqual([5, 6]);
    expect(seqs(await queryAlerts(db, { symbol: 'AAA', kind: 'halt', limit: 200 }))).toEqual([]);
  });

  it('deletes the alerts older than the retention window', async () => {
    await withClient(async (c) => c.query('DELETE FROM alerts'), schema.name);
    await insertAlerts(db, [
      alert(1, '2026-01-01T15:00:00.000Z', 'OLD', 'new_high'),
      alert(2, '2026-03-01T15:00:00.000Z', 'NEW', 'new_high'),
    ]);
    const retention = startAlertsRetention({
      db,
      logger: createLogger('test', 'silent'),
      retentionDays: 30,
      now: () => Date.parse('2026-03-02T15:00:00.000Z'),
    });
    onCleanup(() => retention.stop());
    await retention.round();
    expect((await queryAlerts(db, { limit: 10 })).map((a) => a.symbol)).toEqual(['NEW']);
  });
});
