import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile } from './stats.js';
import { Simulator } from '../shared/sim/simulator.js';
import { ny } from '../shared/sim/testing.js';

/**
 * What a full-market snapshot costs the simulator: the universe build, the cold first snapshot (it simulates
 * yesterday for `prevDay` and today up to the instant), then snapshots at the live cadence (5 simulated
 * seconds apart) and at `speed: 60` (5 simulated minutes apart), plus the retained heap.
 *
 *   npx tsx bench/simulator.bench.ts [tickers] [snapshots]
 *
 * (`node --expose-gc --import tsx …` makes the heap figure exact.)
 */

export type BenchRow = Record<string, number>;

const REAL_TIME_STEP_MS = 5000;
const ACCELERATED_STEP_MS = 5 * 60_000;
const MB = 1e6;

export function benchSimulator(
  tickers = 12_000,
  snapshots = 60,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): BenchRow {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let t0 = performance.now();
  const sim = new Simulator({ seed: 42, tickers });
  const universeMs = performance.now() - t0;

  let at = ny('10:30');
  t0 = performance.now();
  let body = sim.snapshotAt(at);
  const coldMs = performance.now() - t0;
  const jsonMb = JSON.stringify(body).length / MB;

  const timed = (step: number): number[] => {
    const out: number[] = [];
    for (let k = 0; k < snapshots; k++) {
      at += step;
      const start = performance.now();
      body = sim.snapshotAt(at);
      out.push(performance.now() - start);
    }
    return out;
  };
  const live = timed(REAL_TIME_STEP_MS);
  const accelerated = timed(ACCELERATED_STEP_MS);
  gc?.();
  const retainedMb = (process.memoryUsage().heapUsed - heapBefore) / MB;

  const row: BenchRow = {
    tickers,
    snapshots,
    'universe ms': round(universeMs),
    'cold first snapshot ms': round(coldMs),
    'snapshot p50 ms (5 s apart)': round(percentile(live, 50)),
    'snapshot p99 ms (5 s apart)': round(percentile(live, 99)),
    'snapshot p50 ms (5 min apart)': round(percentile(accelerated, 50)),
    'snapshot p99 ms (5 min apart)': round(percentile(accelerated, 99)),
    'body JSON MB': round(jsonMb),
    [`retained heap MB${gc ? '' : ' (no --expose-gc)'}`]: round(retainedMb),
    'rss MB': round(process.memoryUsage().rss / MB),
  };
  print(`simulator, ${tickers} tickers, ${body.count} rows per snapshot:`);
  for (const [k, v] of Object.entries(row)) print(`  ${k.padEnd(34)} ${v}`);
  return row;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchSimulator(Number(process.argv[2] ?? 12_000), Number(process.argv[3] ?? 60));
}
