import { scanKernel } from '../shared/scan/kernel.js';
import { benchEngine } from './bench-engine.js';
import { measure, percentile } from './stats.js';

/**
 * The single-threaded cost of the scan kernel (SPEC §3–§5 per ticker) and of a whole scan (kernel + ranking +
 * lists + rows + deltas) over a synthetic market. Decoding is not included.
 */
export function benchKernel(tickers: number, runs: number): Record<string, string | number> {
  const bench = benchEngine(tickers);
  const { engine } = bench;
  let at = bench.at;
  const { params } = engine.prepare(at);

  const kernel = measure(() => scanKernel(engine.state.cols, params, 0, engine.state.size), runs);
  const full = measure(() => {
    at += 1000;
    engine.scan(at);
  }, runs);
  const p50 = percentile(kernel, 50);
  return {
    tickers,
    runs,
    'kernel p50 ms': +p50.toFixed(3),
    'kernel p99 ms': +percentile(kernel, 99).toFixed(3),
    'kernel ns/ticker': Math.round((p50 * 1e6) / tickers),
    'full scan p50 ms': +percentile(full, 50).toFixed(3),
    'full scan p99 ms': +percentile(full, 99).toFixed(3),
  };
}
