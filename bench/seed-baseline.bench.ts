import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Publisher } from '../orchestrator/publisher.js';
import { scanResultRows } from '../orchestrator/scan-result-rows.js';
import { closeDb, createDb, insertScanResults } from '../shared/db/database.js';
import { migrate } from '../shared/db/migrate.js';
import { keys } from '../shared/bus/keys.js';
import { scanKernel } from '../shared/scan/kernel.js';
import { percentile } from './stats.js';
import { benchEngine } from './bench-engine.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The speed-up over the seed design, measured rather than claimed. The seed (the earlier Python system's shape)
 * did, per scan: for every ticker an awaited Redis GET of its metadata and HGET of its RVOL baseline, the
 * computation, then an awaited INSERT per ranked row. Ours does the same scan from in-memory columns, publishes
 * in one MULTI and writes the ranked rows in one statement. Both run here against the same Redis and PostgreSQL.
 */
export async function benchSeedBaseline(
  tickers: number,
  runs: number,
): Promise<Record<string, string | number>> {
  const { engine, market, at } = benchEngine(tickers);
  const redis = new Redis(REDIS_URL);
  const prefix = `bench-${randomUUID()}`;
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await migrate(DATABASE_URL, { schema });
  const db = createDb(DATABASE_URL, { schema });
  try {
    // The seed's per-ticker keys.
    const setup = redis.pipeline();
    for (const m of market.metadata) setup.set(`${prefix}:meta:${m.symbol}`, JSON.stringify(m));
    for (const r of market.rows) setup.hset(`${prefix}:rvol:${r.ticker}`, '72', String(1e5));
    await setup.exec();

    const seed: number[] = [];
    const seedRuns = Math.max(2, Math.min(5, Math.round(runs / 40)));
    for (let run = 0; run < seedRuns; run++) {
      const t0 = performance.now();
      const scored: { symbol: string; price: number; score: number; change: number }[] = [];
      for (const r of market.rows) {
        const meta = JSON.parse((await redis.get(`${prefix}:meta:${r.ticker}`)) ?? 'null') as {
          avgVolume30d?: number;
        } | null;
        const baseline = Number(await redis.hget(`${prefix}:rvol:${r.ticker}`, '72'));
        const volume = r.min?.av ?? 0;
        const price = r.lastTrade?.p ?? 0;
        const prevClose = r.prevDay?.c ?? 0;
        const rvol = baseline > 0 ? volume / baseline : 0;
        const ratio = meta?.avgVolume30d ? volume / meta.avgVolume30d : 0;
        scored.push({
          symbol: r.ticker,
          price,
          score: 10 * rvol + 5 * ratio,
          change: ((price - prevClose) / prevClose) * 100,
        });
      }
      scored.sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : 1));
      const time = new Date(at + run).toISOString();
      for (const [i, s] of scored.slice(0, 200).entries()) {
        await db.none(
          'INSERT INTO scan_results (time, symbol, session, price, change_percent, score, rank) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING',
          [time, s.symbol, 'MARKET_OPEN', s.price, s.change, s.score, i + 1],
        );
      }
      seed.push(performance.now() - t0);
    }

    const publisher = new Publisher(redis, keys(prefix));
    const ours: number[] = [];
    let t = at;
    for (let run = 0; run < runs; run++) {
      const t0 = performance.now();
      t += 1000;
      const prepared = engine.prepare(t);
      const outcome = engine.finish(
        prepared,
        scanKernel(engine.state.cols, prepared.params, 0, engine.state.size),
      );
      await publisher.publish({
        ts: outcome.ts,
        messages: outcome.messages,
        state: engine.sequencerState()!,
      });
      const rows = scanResultRows(outcome);
      await insertScanResults(db, rows);
      ours.push(performance.now() - t0);
    }
    const seedP50 = percentile(seed, 50);
    const oursP50 = percentile(ours, 50);
    return {
      tickers,
      'seed design p50 ms': Math.round(seedP50),
      'seed runs': seedRuns,
      'ours p50 ms': +oursP50.toFixed(2),
      'ours runs': runs,
      'speed-up ×': Math.round(seedP50 / oursP50),
    };
  } finally {
    const found = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < found.length; i += 1000) await redis.del(...found.slice(i, i + 1000));
    await db.none(`DROP SCHEMA ${schema} CASCADE`);
    await closeDb(db);
    redis.disconnect();
  }
}
