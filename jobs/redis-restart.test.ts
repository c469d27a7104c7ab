import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { keys } from '../shared/bus/keys.js';
import { PersistJobQueue } from '../shared/bus/persistence-jobs.js';
import { createLogger } from '../shared/logger.js';
import { testDatabaseUrl, withClient, withFreshSchema } from '../test/utils/db.js';
import { PrivateRedis } from '../test/utils/redis-server.js';
import { startPersistenceWorker } from './persistence-worker.js';

const row = (symbol: string) => ({
  time: '2026-03-02T15:00:00.000Z',
  symbol,
  session: 'MARKET_OPEN' as const,
  price: 10,
  volumeToday: 1,
  changePercent: 1,
  rvol: null,
  rvolSlot: null,
  gapFromOpen: null,
  priceFromHigh: null,
  priceFromLow: null,
  marketCap: null,
  floatShares: null,
  score: 1,
  rank: 1,
  filtersMatched: [],
  lists: [],
});

describe('the persistence worker across a Redis restart', () => {
  const schema = withFreshSchema();
  let db: Db;
  const server = new PrivateRedis();
  beforeAll(async () => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await closeDb(db);
  });

  const has = (symbol: string) =>
    withClient(
      async (c) => (await c.query('SELECT 1 FROM scan_results WHERE symbol = $1', [symbol])).rowCount === 1,
      schema.name,
    );

  it('goes on consuming jobs after Redis is killed and started again', async () => {
    const k = keys('restart');
    const workerConnection = new Redis(server.url, { maxRetriesPerRequest: null });
    const producer = new Redis(server.url, { maxRetriesPerRequest: null });
    // Connection errors during the outage are expected; ioredis reconnects by itself.
    for (const c of [workerConnection, producer]) {
      c.on('error', () => {});
      onCleanup(() => c.disconnect());
    }
    const queue = new PersistJobQueue(producer, k);
    onCleanup(() => queue.close());
    const worker = startPersistenceWorker({
      connection: workerConnection,
      keys: k,
      db,
      logger: createLogger('test', 'silent'),
    });
    onCleanup(() => worker.close(true));
    await queue.add({ kind: 'scan', rows: [row('BEFORE')] });
    await expect(waitFor(() => has('BEFORE'), { timeoutMs: 10_000, intervalMs: 100 })).resolves.toBe(true);

    await server.stop();
    // Both clients have seen the outage before Redis comes back.
    await waitFor(() => workerConnection.status !== 'ready' && producer.status !== 'ready');
    await server.start();

    await queue.add({ kind: 'scan', rows: [row('AFTER')] });
    // Generous: on a loaded machine BullMQ's reconnect backoff and the blocking read take their time.
    await expect(waitFor(() => has('AFTER'), { timeoutMs: 45_000, intervalMs: 100 })).resolves.toBe(true);
  }, 70_000);
});
