// A/B of two checkouts' compiled benchmarks, each figure in its own fresh process, alternating A, B, A, B… so
// that the machine's drift (it is shared and noisy) falls on both sides alike. Both checkouts must have run
// `npm run bench:compiled` (or `tsc -p tsconfig.json --outDir .bench-build`) first.
//
//   npx tsx tools/bench-ab.ts <checkout A> <checkout B> [threads|seed|kernel] [rounds]
//
// `threads`: full scan of 15,000 tickers inline and on 1, 2, 4 threads (bench/threads.bench.ts), p50/p99 ms.
// `kernel`: the scan kernel alone and a whole scan, single thread, 15,000 tickers (bench/kernel.bench.ts).
// `seed`: a scan cycle with its I/O against the seed design (bench/seed-baseline.bench.ts), 15,000 tickers.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const [a, b, what = 'threads', rounds = '3'] = process.argv.slice(2);
if (!a || !b) {
  process.stderr.write(
    'usage: npx tsx tools/bench-ab.ts <checkout A> <checkout B> [threads|seed|kernel] [rounds]\n',
  );
  process.exit(2);
}

const child = `
const [dir, what] = process.argv.slice(1);
const runs = 100;
if (what === 'threads') {
  const { benchThreads } = await import(dir + '/.bench-build/bench/threads.bench.js');
  console.log(JSON.stringify(await benchThreads(15_000, runs)));
} else if (what === 'kernel') {
  const { benchKernel } = await import(dir + '/.bench-build/bench/kernel.bench.js');
  console.log(JSON.stringify(benchKernel(15_000, runs)));
} else {
  const { benchSeedBaseline } = await import(dir + '/.bench-build/bench/seed-baseline.bench.js');
  console.log(JSON.stringify(await benchSeedBaseline(15_000, runs)));
}
process.exit(0);`;

for (let round = 1; round <= Number(rounds); round++) {
  for (const dir of [a, b]) {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', child, path.resolve(dir), what],
      {
        encoding: 'utf8',
      },
    );
    console.log(`round ${round} ${path.basename(path.resolve(dir))}: ${out.trim().split('\n').at(-1) ?? ''}`);
  }
}
