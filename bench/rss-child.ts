import { ScanPool } from '../orchestrator/scan-pool.js';
import { benchEngine } from './bench-engine.js';

/**
 * Run in its own process by rss.bench.ts: the orchestrator's market state at `argv[2]` tickers (columns,
 * metadata, baselines from 5 days of history, observations) after a series of scans through the pool, with
 * the history released as the orchestrator releases it. Prints one JSON line.
 */
const tickers = Number(process.argv[2] ?? 15_000);
const { engine, at } = benchEngine(tickers, true);
const pool = new ScanPool({ threads: 1 });
for (let i = 0; i < 60; i++) {
  const prepared = engine.prepare(at + i * 5000);
  engine.finish(prepared, await pool.rank(engine.state.cols, prepared.params, engine.state.size));
}
global.gc?.();
const m = process.memoryUsage();
console.log(
  JSON.stringify({
    tickers,
    rssMb: Math.round(m.rss / 2 ** 20),
    heapUsedMb: Math.round(m.heapUsed / 2 ** 20),
    externalMb: Math.round((m.external + m.arrayBuffers) / 2 ** 20),
  }),
);
await pool.close();
