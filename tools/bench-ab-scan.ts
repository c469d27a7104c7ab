// A/B of two checkouts' scan steps in ONE process, interleaved in blocks, so that the machine's drift (it is
// shared and noisy) falls on both sides alike: the kernel alone, `prepare` (clock, look-backs, filters), `finish`
// (lists, rows, deltas) and a whole scan, 15,000 tickers of bench/bench-engine.ts, compiled. Both checkouts must
// have run `npx tsc -p tsconfig.json --outDir .bench-build` first.
//
//   npx tsx tools/bench-ab-scan.ts <checkout A> <checkout B> [blocks]
//
// Scans run 1 ms apart, so the market state is the same at every scan of a run (look-backs stay answered).
import path from 'node:path';
import type * as BenchEngineModule from '../bench/bench-engine.js';
import type { ScanEngine } from '../shared/scan/engine.js';
import type * as KernelModule from '../shared/scan/kernel.js';
import type { scanKernel as ScanKernel } from '../shared/scan/kernel.js';
import { percentile } from '../bench/stats.js';

const [a, b, blocksArg = '20'] = process.argv.slice(2);
if (!a || !b) {
  process.stderr.write('usage: npx tsx tools/bench-ab-scan.ts <checkout A> <checkout B> [blocks]\n');
  process.exit(2);
}
const TICKERS = 15_000;
const PER_BLOCK = 25;
const STEPS = ['kernel', 'prepare', 'finish', 'full scan'] as const;

interface Side {
  readonly name: string;
  readonly engine: ScanEngine;
  readonly kernel: typeof ScanKernel;
  at: number;
  readonly samples: Record<(typeof STEPS)[number], number[]>;
}

async function load(dir: string): Promise<Side> {
  const root = path.resolve(dir, '.bench-build');
  const { benchEngine } = (await import(`${root}/bench/bench-engine.js`)) as typeof BenchEngineModule;
  const { scanKernel } = (await import(`${root}/shared/scan/kernel.js`)) as typeof KernelModule;
  const { engine, at } = benchEngine(TICKERS);
  const samples = Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Side['samples'];
  return { name: path.basename(path.resolve(dir)), engine, kernel: scanKernel, at, samples };
}

/** One scan, timed step by step: the same work as `engine.scan`. */
function scanOnce(s: Side, keep: boolean): void {
  const t0 = performance.now();
  const prepared = s.engine.prepare(++s.at);
  const t1 = performance.now();
  const candidates = s.kernel(s.engine.state.cols, prepared.params, 0, s.engine.state.size);
  const t2 = performance.now();
  s.engine.finish(prepared, candidates);
  const t3 = performance.now();
  if (!keep) return;
  s.samples.prepare.push(t1 - t0);
  s.samples.kernel.push(t2 - t1);
  s.samples.finish.push(t3 - t2);
  s.samples['full scan'].push(t3 - t0);
}

const sides = [await load(a), await load(b)];
const blocks = Number(blocksArg);
// The first two blocks warm the JIT and are not kept.
for (let block = 0; block < blocks + 2; block++)
  for (const s of sides) for (let i = 0; i < PER_BLOCK; i++) scanOnce(s, block >= 2);

const figure = (s: Side, step: (typeof STEPS)[number]) =>
  `${percentile(s.samples[step], 10).toFixed(3)} / ${percentile(s.samples[step], 50).toFixed(3)}`;
console.log(`${TICKERS} tickers, ${blocks} blocks of ${PER_BLOCK} scans per side, ms p10 / p50:`);
console.table(
  STEPS.map((step) => ({
    step,
    [sides[0]!.name]: figure(sides[0]!, step),
    [sides[1]!.name]: figure(sides[1]!, step),
    'p10 ratio': +(percentile(sides[1]!.samples[step], 10) / percentile(sides[0]!.samples[step], 10)).toFixed(
      2,
    ),
    'p50 ratio': +(percentile(sides[1]!.samples[step], 50) / percentile(sides[0]!.samples[step], 50)).toFixed(
      2,
    ),
  })),
);
