import { ScanPool } from '../orchestrator/scan-pool.js';
import { scanKernel } from '../shared/scan/kernel.js';
import type { ActiveScanSet } from '../shared/scan/engine.js';
import { compileScans } from '../shared/scan/scan-compile.js';
import { evaluateScans, ScanWorkspace } from '../shared/scan/scan-evaluate.js';
import type { ScanResults } from '../shared/scan/scan-tops.js';
import { benchEngine } from './bench-engine.js';
import { randomScans } from './random-scans.js';
import { percentile } from './stats.js';
import { prng } from './synthetic-market.js';

/**
 * User-defined scans per tick as the orchestrator runs them (issue #10 item 6): N distinct random scans over
 * the synthetic market after one kernel pass, inline (one thread) and on the ScanPool with 1, 2 and 4 worker
 * threads (sharded by scans, the default; and on 2 threads by row ranges, merged exactly; the compiled set sent
 * once). Per tick: wall p50/p99 and the
 * process's CPU time (every thread), so a loaded machine can still be read as ratios within one run.
 *
 * Also {@link benchScanFinish}: what the scan lists cost the orchestrator's own thread after the workers.
 *
 * Run: `npx tsx bench/scans-pool.bench.ts [tickers=15000] [runs=20] [finish]` (`finish`: benchScanFinish only); in
 * `npm run bench` with BENCH_SCANS_RUNS runs (default 20), or left out with BENCH_SCANS=skip. Two checkouts'
 * benchScanFinish compared in one run: tools/bench-ab-scan-finish.ts.
 */

/** What traders mostly sort on (scans then share short lists), as in scans.bench.ts. */
const USUAL_SORTS = ['changePercent', 'volumeToday', 'rvol', 'anomalyRvol', 'dollarVolume'];

type Row = Record<string, string | number>;

async function timeTicks(
  tick: () => Promise<unknown>,
  runs: number,
): Promise<{ p50: number; p99: number; cpu: number }> {
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 5)); i++) await tick();
  const times: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await tick();
    times.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { p50: percentile(times, 50), p99: percentile(times, 99), cpu: (c.user + c.system) / 1000 / runs };
}

const same = (a: ScanResults, b: ScanResults): boolean =>
  a.rows.length === b.rows.length &&
  a.offsets.every((v, i) => v === b.offsets[i]) &&
  a.rows.every((v, i) => v === b.rows[i]);

export async function benchScansPool(
  tickers: number,
  counts: readonly number[],
  runs: number,
  threadCounts: readonly number[] = [1, 2, 4],
): Promise<Row[]> {
  const { engine, at } = benchEngine(tickers, true);
  engine.scan(at); // outputs and `passed`, as after the kernel of a tick
  const { cols, size, dictionary } = engine.state;
  const { session } = engine.prepare(at).clock;
  const valuesOf = (field: 'sector' | 'exchange') =>
    Array.from({ length: dictionary.size(field) }, (_, c) => dictionary.valueOf(field, c)!);
  const categories = { sector: valuesOf('sector'), exchange: valuesOf('exchange') };
  const pools = [
    ...threadCounts.map((threads) => new ScanPool({ threads })),
    new ScanPool({ threads: 2, scanShards: 'rows' }),
  ];
  const out: Row[] = [];
  try {
    let version = 1_000_000;
    for (const count of counts) {
      for (const [mix, sortFields] of [
        ['5 sorts', USUAL_SORTS],
        ['any sort', undefined],
      ] as const) {
        const defs = randomScans(count, { cols, size, categories, rand: prng(count + 7), sortFields });
        const compiled = compileScans(defs, dictionary);
        const set: ActiveScanSet = {
          version: ++version,
          compiled,
          lists: defs.map((d) => `scan:${d.id}` as const),
        };
        const workspace = new ScanWorkspace();
        const inline = () => Promise.resolve(evaluateScans(cols, compiled, 0, size, session, { workspace }));
        const reference = await inline();
        const base = await timeTicks(inline, runs);
        const row = (variant: string, t: typeof base): Row => ({
          scans: count,
          sorts: mix,
          variant,
          'p50 ms/tick': +t.p50.toFixed(2),
          'p99 ms/tick': +t.p99.toFixed(2),
          'µs/scan (p50)': +((t.p50 * 1000) / count).toFixed(1),
          'CPU ms/tick': +t.cpu.toFixed(2),
          'p50 vs inline': +(t.p50 / base.p50).toFixed(2),
          'CPU vs inline': +(t.cpu / base.cpu).toFixed(2),
        });
        out.push(row('inline (1 thread)', base));
        for (const pool of pools) {
          const tick = () => pool.evaluate(cols, set, session, size);
          if (!same(await tick(), reference)) throw new Error(`pool of ${pool.threads} differs from inline`);
          const by = pool === pools.at(-1) ? ', by rows' : '';
          const label = `pool, ${pool.threads} thread${pool.threads > 1 ? 's' : ''}${by}`;
          out.push(row(label, await timeTicks(tick, runs)));
        }
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return out;
}

/**
 * The orchestrator thread's share of the scan lists per tick (engine.finish after the workers: rows of the listed
 * tickers, diffs, messages): the first tick where every list is a snapshot, a still market where no list changes
 * (the unchanged-list fast path, ScanListSequencer.unchanged), and a moving market where nearly every listed row
 * changes materially each tick (the worst case: rows built only when sent, TickRows).
 */
export function benchScanFinish(tickers: number, counts: readonly number[], runs: number): Row[] {
  const { engine, market, at } = benchEngine(tickers, true);
  engine.scan(at);
  const { cols, size, dictionary } = engine.state;
  const valuesOf = (field: 'sector' | 'exchange') =>
    Array.from({ length: dictionary.size(field) }, (_, c) => dictionary.valueOf(field, c)!);
  const categories = { sector: valuesOf('sector'), exchange: valuesOf('exchange') };
  const rand = prng(99);
  /** A snapshot 1 s later where every price moved by up to ±1 % and volumes grew: most lists change. */
  const moved = (t: number) =>
    market.rows.map((r) => {
      const p = Math.round(r.lastTrade!.p! * (1 + (rand() - 0.5) * 0.02) * 100) / 100;
      const v = r.day!.v! + t * 5_000;
      return { ...r, lastTrade: { p }, day: { ...r.day!, c: p, v }, min: { av: v, c: p } };
    });
  const finishTimes = (count: number, move: boolean): number[] => {
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const ms = at + (move ? (i + 1) * 1000 : 0);
      if (move) engine.applySnapshot(ms, moved(i + 1));
      const prepared = engine.prepare(ms);
      const ranked = scanKernel(cols, prepared.params, 0, size);
      const results = evaluateScans(cols, prepared.scans!.compiled, 0, size, prepared.clock.session);
      const t0 = performance.now();
      const outcome = engine.finish(prepared, ranked, undefined, results);
      times.push(performance.now() - t0);
      if (i === runs) changed.set(count, outcome.scanMessages.length);
    }
    return times;
  };
  const changed = new Map<number, number>();
  return counts.map((count) => {
    const defs = randomScans(count, {
      cols,
      size,
      categories,
      rand: prng(count + 7),
      sortFields: USUAL_SORTS,
    });
    engine.setScans(
      defs,
      defs.map((d) => `scan:${d.id}-${count}` as const),
    );
    const still = finishTimes(count, false);
    const moving = finishTimes(count, true).slice(1);
    return {
      scans: count,
      'first tick (every list a snapshot), ms': +still[0]!.toFixed(2),
      'still market, p50 ms': +percentile(still.slice(1), 50).toFixed(2),
      'moving market, p50 ms': +percentile(moving, 50).toFixed(2),
      'moving market, p99 ms': +percentile(moving, 99).toFixed(2),
      'lists with a message (moving)': changed.get(count) ?? 0,
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tickers = Number(process.argv[2] ?? 15_000);
  const runs = Number(process.argv[3] ?? 20);
  console.log(`node ${process.version}, ${new Date().toISOString()}, ${tickers} tickers, ${runs} runs each`);
  // `finish` as the third argument: the orchestrator thread's share alone (no worker pool).
  if (process.argv[4] !== 'finish') console.table(await benchScansPool(tickers, [10, 100, 1000], runs));
  console.log("The orchestrator thread's share (engine.finish: rows, diffs, messages of the scan lists):");
  console.table(benchScanFinish(tickers, [100, 1000], runs));
}
