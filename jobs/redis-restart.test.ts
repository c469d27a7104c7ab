import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, type Db } from '../shared/db/database.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { BullJobSink } from '../orchestrator/bull-job-sink.js';
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
  async function until(cond: () => Promise<boolean>, ms: number) {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }

  it('goes on consuming jobs after Redis is killed and started again', async () => {
    const k = keys('restart');
    const workerConnection = new Redis(server.url, { maxRetriesPerRequest: null });
    const producer = new Redis(server.url, { maxRetriesPerRequest: null });
    // Connection errors during the outage are expected; ioredis reconnects by itself.
    for (const c of [workerConnection, producer]) c.on('error', () => {});
    const sink = new BullJobSink(producer, k);
    const worker = startPersistenceWorker({
      connection: workerConnection,
      keys: k,
      db,
      logger: createLogger('test', 'silent'),
    });
    try {
      await sink.persistScan([row('BEFORE')]);
      expect(await until(() => has('BEFORE'), 10_000)).toBe(true);

      await server.stop();
      await new Promise((r) => setTimeout(r, 500));
      await server.start();

      await sink.persistScan([row('AFTER')]);
      // Generous: on a loaded machine BullMQ's reconnect backoff and the blocking read take their time.
      expect(await until(() => has('AFTER'), 45_000)).toBe(true);
    } finally {
      await worker.close(true);
      await sink.close();
      workerConnection.disconnect();
      producer.disconnect();
    }
  }, 70_000);
});
