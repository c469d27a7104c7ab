import { scanKernel } from '../shared/scan/kernel.js';
import { compileScans, type CompiledScans } from '../shared/scan/scan-compile.js';
import { evaluateScans, ScanWorkspace, type EvaluateOptions } from '../shared/scan/scan-evaluate.js';
import { presetScans } from '../shared/scan/scan-presets.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { benchEngine } from './bench-engine.js';
import { randomScans } from './random-scans.js';
import { measure, percentile } from './stats.js';
import { prng } from './synthetic-market.js';

/**
 * The scan evaluator alone (SPEC §13), single-threaded: the 11 presets and N distinct random scans over the
 * synthetic market after one kernel pass, per tick p50/p99 (wall) and CPU time per tick, with the kernel pass in
 * the same run as the yardstick (this machine is shared: compare rows of one run). Random scans sort on any
 * number field, or on the five fields traders mostly sort on (then scans share short lists). Not yet in
 * bench/run.ts: the pooled, sharded evaluation comes with the wiring (issue #10 item 3).
 *
 * Run: `npx tsx bench/scans.bench.ts [tickers=15000] [runs=30]`.
 */

/** What traders mostly sort on. */
const USUAL_SORTS = ['changePercent', 'volumeToday', 'rvol', 'anomalyRvol', 'dollarVolume'];

type Row = Record<string, string | number>;

export function benchScans(tickers: number, counts: readonly number[], runs: number): Row[] {
  const { engine, at } = benchEngine(tickers);
  engine.scan(at); // outputs and the `passed` column, as after the kernel of a tick
  const { cols, size, dictionary } = engine.state;
  const { params, clock } = engine.prepare(at);
  const valuesOf = (field: 'sector' | 'exchange') =>
    Array.from({ length: dictionary.size(field) }, (_, c) => dictionary.valueOf(field, c)!);
  const categories = { sector: valuesOf('sector'), exchange: valuesOf('exchange') };

  const timed = (label: string, scans: number, fn: () => void, filled = ''): Row => {
    const c0 = process.cpuUsage();
    const times = measure(fn, runs);
    const cpu = process.cpuUsage(c0);
    const p50 = percentile(times, 50);
    return {
      scans,
      variant: label,
      'p50 ms/tick': +p50.toFixed(2),
      'p99 ms/tick': +percentile(times, 99).toFixed(2),
      // measure() runs ceil(runs / 5) unmeasured warm-ups first: CPU time covers them too.
      'CPU ms/tick': +((cpu.user + cpu.system) / 1000 / (runs + Math.ceil(runs / 5))).toFixed(2),
      'µs/scan (p50)': scans > 0 ? +((p50 * 1000) / scans).toFixed(1) : '',
      'full lists': filled,
    };
  };
  const filledShare = (compiled: CompiledScans): string => {
    const r = evaluateScans(cols, compiled, 0, size, clock.session);
    const full = compiled.scans.filter((s, i) => r.offsets[i + 1]! - r.offsets[i]! === s.limit).length;
    return `${Math.round((100 * full) / compiled.scans.length)} %`;
  };
  // One workspace, as a worker thread keeps one between ticks.
  const workspace = new ScanWorkspace();
  const evaluate = (compiled: CompiledScans, options: EvaluateOptions) => () =>
    evaluateScans(cols, compiled, 0, size, clock.session, { ...options, workspace });

  const out: Row[] = [timed('the scan kernel (yardstick)', 0, () => scanKernel(cols, params, 0, size))];
  const presets = compileScans(presetScans(DEFAULT_SCAN_SETTINGS.thresholds, 20), dictionary);
  out.push(timed('the 11 presets', 11, evaluate(presets, {})));
  for (const count of counts) {
    for (const [sorts, sortFields] of [
      ['any sort', undefined],
      ['5 sorts', USUAL_SORTS],
    ] as const) {
      const scans = randomScans(count, { cols, size, categories, rand: prng(count), sortFields });
      const compiled = compileScans(scans, dictionary);
      const filled = filledShare(compiled);
      const variants: [string, EvaluateOptions][] = [
        ['neither', { shortLists: false, indexes: false }],
        ['short lists', { indexes: false }],
        ['short lists + indexes', {}],
      ];
      for (const [label, options] of variants)
        out.push(timed(`random, ${sorts}: ${label}`, count, evaluate(compiled, options), filled));
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tickers = Number(process.argv[2] ?? 15_000);
  const runs = Number(process.argv[3] ?? 30);
  console.log(`node ${process.version}, ${new Date().toISOString()}, ${tickers} tickers, ${runs} runs each`);
  console.table(benchScans(tickers, [10, 100, 1000], runs));
}
