import { benchEngine } from '../../bench/bench-engine.js';
import { randomScans } from '../../bench/random-scans.js';
import { prng } from '../../bench/synthetic-market.js';
import type { ActiveScanSet } from '../../shared/scan/engine.js';
import { compileScans } from '../../shared/scan/scan-compile.js';

/**
 * A scanned synthetic market of `tickers` and a maker of random user-defined scan sets over it, for the tests
 * that compare the workers' evaluation with the inline one.
 */
export function scannedMarketWithScans(tickers: number) {
  const { engine, at } = benchEngine(tickers, true);
  engine.scan(at);
  const { cols, size, dictionary } = engine.state;
  const { session } = engine.prepare(at).clock;
  // Random conditions on categories draw from the values the market actually has.
  const categories = Object.fromEntries(
    (['sector', 'exchange'] as const).map((f) => [
      f,
      Array.from({ length: dictionary.size(f) }, (_, c) => dictionary.valueOf(f, c)!),
    ]),
  );
  /** `count` random scans from `seed`, compiled, as the orchestrator hands a set to the pool. */
  const setOf = (seed: number, count: number, version: number): ActiveScanSet => {
    const defs = randomScans(count, { cols, size, categories, rand: prng(seed) });
    return {
      version,
      compiled: compileScans(defs, dictionary),
      lists: defs.map((d) => `scan:${d.id}` as const),
    };
  };
  return { cols, size, session, setOf };
}
