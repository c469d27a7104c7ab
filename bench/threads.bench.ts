import { ScanPool } from '../orchestrator/scan-pool.js';
import { scanKernel } from '../shared/scan/kernel.js';
import { benchEngine } from './bench-engine.js';
import { measure, measureAsync, percentile } from './stats.js';

/**
 * The full scan the orchestrator runs per tick — compute (kernel, sharded) + merge + rank + categories + rows +
 * deltas, decode excluded — inline on the main thread and through piscina pools of 1, 2 and 4 threads over
 * shared memory. On a 2-core machine more than 2 threads can only add overhead; the table shows where.
 */
export async function benchThreads(
  tickers: number,
  runs: number,
): Promise<Record<string, string | number>[]> {
  const { engine, at: start } = benchEngine(tickers, true);
  let at = start;
  const rows: Record<string, string | number>[] = [];
  const inline = measure(() => {
    at += 1000;
    const prepared = engine.prepare(at);
    engine.finish(prepared, scanKernel(engine.state.cols, prepared.params, 0, engine.state.size));
  }, runs);
  rows.push({
    tickers,
    threads: 'inline (main thread)',
    'p50 ms': +percentile(inline, 50).toFixed(2),
    'p99 ms': +percentile(inline, 99).toFixed(2),
  });
  for (const threads of [1, 2, 4]) {
    const pool = new ScanPool({ threads });
    try {
      const samples = await measureAsync(async () => {
        at += 1000;
        const prepared = engine.prepare(at);
        engine.finish(prepared, await pool.rank(engine.state.cols, prepared.params, engine.state.size));
      }, runs);
      rows.push({
        tickers,
        threads,
        'p50 ms': +percentile(samples, 50).toFixed(2),
        'p99 ms': +percentile(samples, 99).toFixed(2),
      });
    } finally {
      await pool.close();
    }
  }
  return rows;
}
