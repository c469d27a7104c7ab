import { performance } from 'node:perf_hooks';
import { DecodePool } from '../orchestrator/decode-pool.js';
import type { SnapshotRowInput } from '../shared/scan/market-state.js';
import { decodeSnapshot } from '../shared/vendor/snapshot-decoder.js';
import { parseFullMarketSnapshot } from '../shared/vendor/snapshot-schema.js';
import { percentile } from './stats.js';
import { prng, symbolOf as baseSymbol } from './synthetic-market.js';

/** Faults the synthetic snapshot can carry, one per `faultEvery` rows in turn (tests use them). */
export type SnapshotFault =
  'string_number' | 'null_number' | 'negative' | 'bad_symbol' | 'duplicate' | 'no_price';

export interface SyntheticSnapshotOptions {
  readonly seed?: number;
  readonly faults?: readonly SnapshotFault[];
  readonly faultEvery?: number;
}

/** Share classes like the vendor's BRK.A now and then; unique because the stem is. */
function symbolOf(i: number): string {
  const s = baseSymbol(i);
  return i % 400 === 399 ? `${s}.A` : s;
}

/** 2026-03-02 10:00 New York in ms; `updated`, `lastTrade.t` and `lastQuote.t` are ns (19 digits). */
const BASE_MS = 1_772_463_600_000;
const ns = (ms: number, rand: () => number) => `${ms}${String(Math.floor(rand() * 1e6)).padStart(6, '0')}`;
const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * The text of a vendor-shaped full-market snapshot (docs/vendor.md §3.1): compact JSON as the API sends it, keys
 * in the vendor's order, 19-digit nanosecond timestamps written out in full, and the variety of a real
 * morning: ~3 % of rows with an all-zero `day` (no regular-session trade yet), ~2 % without `lastQuote`,
 * ~1 % without `lastTrade`, a few fully zero rows (no price at all). About 570 bytes a row.
 */
export function syntheticSnapshotText(tickers: number, o: SyntheticSnapshotOptions = {}): string {
  const rand = prng(o.seed ?? 11);
  const faults = o.faults ?? [];
  const every = o.faultEvery ?? 50;
  const rows: string[] = [];
  for (let i = 0; i < tickers; i++) {
    const fault =
      faults.length > 0 && i > 0 && i % every === 0 ? faults[(i / every) % faults.length] : undefined;
    const ticker = fault === 'bad_symbol' ? `x${symbolOf(i)}` : symbolOf(fault === 'duplicate' ? i - 1 : i);
    const prev = r2(Math.exp(rand() * 7 - 0.7) + 0.5);
    const dead = fault === 'no_price' || rand() < 0.002;
    const price = dead ? 0 : r4(prev * (1 + (rand() - 0.5) * 0.2));
    const premarket = dead || rand() < 0.03;
    const vol = dead ? 0 : Math.round(1e4 / Math.pow(rand() + 0.01, 1.5));
    const ms = BASE_MS - Math.floor(rand() * 600_000);
    const dayC = fault === 'string_number' ? `"${price}"` : premarket ? 0 : price;
    const day = premarket
      ? `{"c":${dayC},"h":0,"l":0,"o":0,"v":0,"vw":0}`
      : `{"c":${dayC},"h":${r4(Math.max(price, prev) * 1.01)},"l":${r4(Math.min(price, prev) * 0.99)},"o":${prev},"v":${vol},"vw":${r4((price + prev) / 2)}}`;
    const spread = Math.max(0.01, r2(price * 0.0005));
    const quote =
      dead || rand() < 0.02
        ? ''
        : `"lastQuote":{"P":${r2(price + spread)},"S":${1 + (i % 9)},"p":${r2(price)},"s":${1 + (i % 7)},"t":${ns(ms, rand)}},`;
    const tp = fault === 'negative' ? -price : price;
    const trade =
      dead || rand() < 0.01
        ? ''
        : `"lastTrade":{"c":${i % 3 === 0 ? 'null' : '[14,41]'},"i":"${10_000 + i}","p":${tp},"s":${100 * (1 + (i % 5))},"t":${ns(ms, rand)},"x":${i % 20}},`;
    const av = fault === 'null_number' ? 'null' : vol;
    const min = `{"av":${av},"c":${price},"h":${price},"l":${price},"o":${price},"v":${Math.round(vol / 300)},"vw":${price},"t":${ms - (ms % 60_000)},"n":${1 + (i % 30)}}`;
    const prevDay = dead
      ? '{"c":0,"h":0,"l":0,"o":0,"v":0,"vw":0}'
      : `{"c":${prev},"h":${r2(prev * 1.02)},"l":${r2(prev * 0.98)},"o":${prev},"v":${vol * 2},"vw":${prev}}`;
    const change = dead ? 0 : r4(price - prev);
    rows.push(
      `{"day":${day},${quote}${trade}"min":${min},"prevDay":${prevDay},"ticker":"${ticker}","todaysChange":${change},"todaysChangePerc":${dead ? 0 : r4((100 * change) / prev)},"updated":${ns(ms, rand)}}`,
    );
  }
  return `{"status":"OK","count":${tickers},"request_id":"bench","tickers":[${rows.join(',')}]}`;
}

type RawPart = Record<string, number> | undefined;
type RawRow = {
  ticker: string;
  day?: RawPart;
  prevDay?: RawPart;
  min?: RawPart;
  lastTrade?: RawPart;
  lastQuote?: RawPart;
};

/** The naive path: plain row objects the engine's applySnapshot takes (what a worker would have to clone). */
function naiveRows(text: string): SnapshotRowInput[] {
  return (JSON.parse(text) as { tickers: RawRow[] }).tickers.map((r) => ({
    ticker: r.ticker,
    day: r.day && { o: r.day.o, h: r.day.h, l: r.day.l, c: r.day.c, v: r.day.v },
    prevDay: r.prevDay && { c: r.prevDay.c },
    min: r.min && { av: r.min.av, c: r.min.c },
    lastTrade: r.lastTrade && { p: r.lastTrade.p },
    lastQuote: r.lastQuote && { p: r.lastQuote.p, P: r.lastQuote.P },
  }));
}

/** One way of decoding. */
interface Path {
  readonly name: string;
  /**
   * Returns a count, never the decoded value: an un-optimized caller keeps its last result in a register, and
   * a retained 20 MB tree made the next JSON.parse's scavenges copy it (plain JSON.parse measured 40 % slow).
   */
  readonly run: (arg: never) => number | Promise<number>;
  /** At most this many samples (zod is slow). */
  readonly maxRuns?: number;
  /** Unmeasured preparation per sample (a fresh byte copy to transfer). */
  readonly prepare?: () => unknown;
}

/** Per sample: wall-clock ms, and ms the main event loop was active (it idles in epoll while a worker works). */
interface Samples {
  readonly wall: number[];
  readonly busy: number[];
}

/** Samples per path per round; the first of each block is not kept. */
const BLOCK = 2;

/**
 * A pause between blocks: the decode worker's (and our own) concurrent GC threads sweep a ~20 MB tree after a
 * block, and on two cores that competed with whichever path ran next.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

let checksum = 0;

/**
 * Runs the paths in short blocks, round after round, so that the noise of this shared 2-core machine (other
 * sessions compile and test on it) falls on every path alike and the ratios stay meaningful.
 *
 * Why blocks with a discarded first sample, and no forced GC: one sample per path per round billed each path
 * for the garbage of the one before (a 6 MB body leaves a ~20 MB tree behind), and a `gc()` before each sample
 * was worse: it lets V8 drop the JSON object shapes, which deoptimizes the decoder's row loop every call
 * (seen with --trace-deopt: "weak objects"), a cost that back-to-back decodes in the worker never pay.
 */
async function interleaved(paths: readonly Path[], runs: number): Promise<Samples[]> {
  const samples = paths.map((): Samples => ({ wall: [], busy: [] }));
  const rounds = 1 + Math.ceil(runs / (BLOCK - 1)); // round 0 warms up
  for (let round = 0; round < rounds; round++) {
    for (const [k, p] of paths.entries()) {
      const s = samples[k]!;
      for (let b = 0; b < BLOCK && s.wall.length < Math.min(runs, p.maxRuns ?? runs); b++) {
        const arg = p.prepare?.() as never;
        const before = performance.eventLoopUtilization();
        const t0 = performance.now();
        const out = p.run(arg);
        checksum += typeof out === 'number' ? out : await out;
        const wall = performance.now() - t0;
        const busy = performance.eventLoopUtilization(before).active;
        if (round > 0 && b > 0) {
          s.wall.push(wall);
          s.busy.push(busy);
        }
      }
      await settle();
    }
  }
  if (checksum < 0) throw new Error('unreachable'); // keeps the results observable
  return samples;
}

type Row = { path: string; 'p50 ms': number; 'p99 ms': number; 'min ms': number; '× (a)': number };

export interface DecodeBenchResult {
  readonly mb: number;
  readonly table: Row[];
  /** (c)/(a): inline decode against raw JSON.parse. */
  readonly inlineRatio: number;
  /** (d)/(a): worker end-to-end (text in) against raw JSON.parse. */
  readonly workerRatio: number;
  /** (d2)/(a): worker end-to-end (bytes in) against raw JSON.parse. */
  readonly bytesRatio: number;
  /** (e)/(a): main-thread time per worker decode (text in) against raw JSON.parse. */
  readonly busyRatio: number;
  /** (d)/(a) and (d2)/(a) on the fastest sample of each, less sensitive to other load on the machine. */
  readonly workerMinRatio: number;
  readonly bytesMinRatio: number;
}

/**
 * docs/architecture.md, "Decode off the hot thread": each way to turn a `tickers`-row full-market snapshot into
 * something the engine can apply, measured in one run, interleaved. (e)/(e2) are the main thread's share of
 * (d)/(d2), taken from the same samples.
 */
export async function benchDecode(tickers: number, runs: number): Promise<DecodeBenchResult> {
  const text = syntheticSnapshotText(tickers);
  const bytes = Buffer.from(text, 'utf8');
  const objects = naiveRows(text);
  const symbols = decodeSnapshot(text).symbols;
  const pool = new DecodePool({ threads: 1 });
  const paths: Path[] = [
    {
      name: '(a) JSON.parse, main thread',
      run: () => (JSON.parse(text) as { tickers: unknown[] }).tickers.length,
    },
    { name: '(b) JSON.parse + naive row objects, main', run: () => naiveRows(text).length },
    {
      name: '(b2) JSON.parse + zod rows, main',
      run: () => parseFullMarketSnapshot(JSON.parse(text)).snapshot.tickers.length,
      maxRuns: Math.min(runs, 20),
    },
    { name: '    clone of (b) objects (if a worker sent them)', run: () => structuredClone(objects).length },
    { name: '(c) decodeSnapshot inline, main', run: () => decodeSnapshot(text).count },
    { name: '(d) DecodePool end-to-end, text in', run: async () => (await pool.decode(text)).count },
    {
      name: '(d2) DecodePool end-to-end, bytes in',
      run: async (b: Uint8Array) => (await pool.decode(b)).count,
      // Transferring detaches the bytes: each decode gets its own copy, made outside the timed call.
      prepare: () => new Uint8Array(bytes),
    },
    { name: '    symbols: clone string[]', run: () => structuredClone(symbols).length },
    {
      name: '    symbols: clone joined + split',
      run: () => structuredClone(symbols.join('\n')).split('\n').length,
    },
  ];
  let samples: Samples[];
  try {
    samples = await interleaved(paths, runs);
  } finally {
    await pool.close();
  }
  const a = percentile(samples[0]!.wall, 50);
  const row = (path: string, s: number[]): Row => ({
    path,
    'p50 ms': +percentile(s, 50).toFixed(2),
    'p99 ms': +percentile(s, 99).toFixed(2),
    // The floor, for a machine other sessions load: interference only ever adds time.
    'min ms': +Math.min(...s).toFixed(2),
    '× (a)': +(percentile(s, 50) / a).toFixed(3),
  });
  const table = paths.map((p, k) => row(p.name, samples[k]!.wall));
  const of = (prefix: string) => samples[paths.findIndex((p) => p.name.startsWith(prefix))]!;
  table.push(row('(e) main thread busy per (d)', of('(d)').busy));
  table.push(row('(e2) main thread busy per (d2)', of('(d2)').busy));
  const ratio = (s: number[]) => percentile(s, 50) / a;
  return {
    mb: +(bytes.byteLength / 1e6).toFixed(2),
    table,
    inlineRatio: ratio(of('(c)').wall),
    workerRatio: ratio(of('(d)').wall),
    bytesRatio: ratio(of('(d2)').wall),
    busyRatio: ratio(of('(d)').busy),
    workerMinRatio: Math.min(...of('(d)').wall) / Math.min(...samples[0]!.wall),
    bytesMinRatio: Math.min(...of('(d2)').wall) / Math.min(...samples[0]!.wall),
  };
}
