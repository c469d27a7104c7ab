import { benchKernel } from './kernel.bench.js';
import { benchSimulator } from './simulator.bench.js';
import { benchDecode } from './decode.bench.js';
import { benchOrchestratorRss } from './orchestrator-rss.bench.js';
import { benchRss } from './rss.bench.js';
import { benchSeedBaseline } from './seed-baseline.bench.js';
import { benchThreads } from './threads.bench.js';
import { runFanoutCli } from './fanout.bench.js';
import { runRedisMemoryCli } from './redis-memory.bench.js';
import { benchScanFinish, benchScansPool } from './scans-pool.bench.js';

/**
 * `npm run bench`: every benchmark, one run, figures side by side. This machine is shared and noisy, so compare
 * figures from the same run rather than across runs.
 */
const runs = Number(process.env.BENCH_RUNS ?? 200);
console.log(`node ${process.version}, ${new Date().toISOString()}, ${runs} measured runs each\n`);
console.log('Scan kernel, single thread (decode excluded):');
console.table([benchKernel(12_000, runs), benchKernel(15_000, runs)]);
console.log('\nFull scan (kernel + merge + rank + lists + rows + deltas; decode excluded), by threads:');
console.table([...(await benchThreads(12_000, runs)), ...(await benchThreads(15_000, runs))]);

console.log(
  '\nA scan cycle with its I/O (scan + publish + persist), against the seed design (per-ticker awaited I/O):',
);
console.table([await benchSeedBaseline(12_000, runs), await benchSeedBaseline(15_000, runs)]);

console.log('\nOrchestrator market state alone, resident memory of a fresh process:');
console.table([benchRss(12_000), benchRss(15_000)]);
console.log(
  '\nThe orchestrator process itself (orchestrator/main.ts, FEED=sim with the simulator inside, 1 scan worker,' +
    ' the decode worker), after 40 scans:',
);
console.table([await benchOrchestratorRss(12_000), await benchOrchestratorRss(15_000)]);

// Decode off the hot thread (docs/architecture.md): capped because each sample parses several MB (and zod is slow).
const decodeRuns = Math.min(runs, 60);
const decode = await benchDecode(12_000, decodeRuns);
console.log(
  `\nFull-market snapshot decode, 12,000 tickers, ${decode.mb} MB of JSON, ${decodeRuns} samples each` +
    ' (interleaved in blocks; (e) = main-thread event-loop time per worker decode):',
);
console.table(decode.table);
const verdict = decode.workerRatio <= 1.2 ? 'met' : 'missed';
console.log(
  `p50 ratios: (c)/(a) = ${decode.inlineRatio.toFixed(3)}, (d)/(a) = ${decode.workerRatio.toFixed(3)}, ` +
    `(d2)/(a) = ${decode.bytesRatio.toFixed(3)}, (e)/(a) = ${decode.busyRatio.toFixed(3)}; ` +
    `on the fastest samples (d)/(a) = ${decode.workerMinRatio.toFixed(3)}, (d2)/(a) = ${decode.bytesMinRatio.toFixed(3)}.\n` +
    `Goal (d)/(a) <= 1.2: ${verdict} (${((decode.workerRatio - 1) * 100).toFixed(1)} % over raw JSON.parse). ` +
    'Objects structured-cloned per decode: 0 (one transferred ArrayBuffer + one string of symbols).',
);

// User-defined scans (issue #10, docs/scans.md): ≈ 1 min at 20 runs; BENCH_SCANS=skip leaves it out.
if (process.env.BENCH_SCANS !== 'skip') {
  const scanRuns = Number(process.env.BENCH_SCANS_RUNS ?? 20);
  console.log(
    `\nUser-defined scans per tick, 15,000 tickers, inline vs the worker pool (${scanRuns} runs each;` +
      ' CPU = every thread of the process; ratios against inline of the same row group):',
  );
  console.table(await benchScansPool(15_000, [10, 100, 1000], scanRuns));
  console.log("The orchestrator thread's share (engine.finish: rows, diffs, messages of the scan lists):");
  console.table(benchScanFinish(15_000, [100, 1000], scanRuns));
}

console.log('\nSimulator (the embedded default feed):');
benchSimulator(12_000, Math.min(runs, 60));

// Redis memory by key family at two cadences (≈ 2 × (start-up + 90 s)); BENCH_REDIS_MEMORY_ARGS takes the options
// of `npx tsx bench/redis-memory.bench.ts` (e.g. "--seconds 150"); "skip" leaves it out.
const memoryArgs = process.env.BENCH_REDIS_MEMORY_ARGS ?? '--seconds 90';
if (memoryArgs !== 'skip') {
  console.log('\nRedis memory (docs/redis-memory.md):');
  await runRedisMemoryCli(memoryArgs.split(/\s+/).filter(Boolean));
}

// Last, and the longest (≈ 8–10 min): its own processes, ten thousand sockets. BENCH_FANOUT_ARGS takes the
// options of `npx tsx bench/fanout.bench.ts` (e.g. "--clients 1000 --cadence default"); "skip" leaves it out.
const fanoutArgs = process.env.BENCH_FANOUT_ARGS ?? '';
if (fanoutArgs !== 'skip') {
  console.log('\nFan-out, the gateway against a plain ws relay (clients subscribed to every list):');
  await runFanoutCli(fanoutArgs.split(/\s+/).filter(Boolean));
}
