import { compileScans } from '../shared/scan/scan-compile.js';
import { evaluateScans } from '../shared/scan/scan-evaluate.js';
import { presetScans } from '../shared/scan/scan-presets.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { benchEngine } from './bench-engine.js';
import { randomScans } from './random-scans.js';
import { measure, percentile } from './stats.js';
import { prng } from './synthetic-market.js';

/**
 * The scan evaluator alone (SPEC §13), single-threaded: N distinct random scans over the synthetic market after
 * one kernel pass, per tick p50/p99 and per scan. Not yet in bench/run.ts: the pooled, sharded evaluation comes
 * with the wiring (issue #10 item 3). Run: `npx tsx bench/scans.bench.ts [tickers] [runs]`.
 */
/** What traders mostly sort on: scans sharing their sort share a short list (docs/scans.md). */
const USUAL_SORTS = ['changePercent', 'volumeToday', 'rvol', 'anomalyRvol', 'dollarVolume'];

export function benchScans(tickers: number, counts: readonly number[], runs: number): Record<string, string | number>[] {
  const { engine, at } = benchEngine(tickers);
  engine.scan(at); // outputs and the `passed` column, as after the kernel of a tick
  const { cols, size, dictionary } = engine.state;
  const session = engine.prepare(at).clock.session;
  const categories = {
    sector: Array.from({ length: dictionary.size('sector') }, (_, c) => dictionary.valueOf('sector', c)!),
    exchange: Array.from({ length: dictionary.size('exchange') }, (_, c) => dictionary.valueOf('exchange', c)!),
  };
  const out: Record<string, string | number>[] = [];
  const presets = compileScans(presetScans(DEFAULT_SCAN_SETTINGS.thresholds, 20), dictionary);
  const presetTimes = measure(() => evaluateScans(cols, presets, 0, size, session), runs);
  out.push(row('11 presets', tickers, 11, presetTimes));
  for (const count of counts) {
    for (const [kind, sortFields] of [
      ['random, any sort', undefined],
      ['random, 5 sorts', USUAL_SORTS],
    ] as const) {
      const scans = randomScans(count, { cols, size, categories, rand: prng(count), sortFields });
      const compiled = compileScans(scans, dictionary);
      const plain = measure(() => evaluateScans(cols, compiled, 0, size, session, { shortLists: false }), runs);
      out.push(row(`${kind}, no short lists`, tickers, count, plain));
      const times = measure(() => evaluateScans(cols, compiled, 0, size, session), runs);
      out.push(row(kind, tickers, count, times));
    }
  }
  return out;
}

function row(kind: string, tickers: number, scans: number, times: number[]): Record<string, string | number> {
  const p50 = percentile(times, 50);
  return {
    scans: `${scans} ${kind}`,
    tickers,
    'p50 ms/tick': +p50.toFixed(2),
    'p99 ms/tick': +percentile(times, 99).toFixed(2),
    'µs/scan (p50)': +((p50 * 1000) / scans).toFixed(1),
    'ns/scan/ticker': +((p50 * 1e6) / scans / tickers).toFixed(2),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tickers = Number(process.argv[2] ?? 15_000);
  const runs = Number(process.argv[3] ?? 30);
  console.table(benchScans(tickers, [10, 100, 1000], runs));
}
