import type { SLOTS_PER_DAY } from '../market/session-clock.js';

/**
 * The market table: one row per ticker, one typed array per field.
 *
 * Why columns: the engine runs the scan kernel in worker threads over shared memory. 15K tickers through
 * SharedArrayBuffer-backed columns cost ≈ 0.3 ms to hand over; the same data as objects costs ≈ 11 ms of
 * structured clone (docs/architecture.md, measured on this machine). So every per-ticker number lives here and
 * only `{from, to}` crosses the thread boundary.
 *
 * Null is NaN inside a Float64 column (and -1 in a code column). It never leaves the engine as NaN: rows are
 * built with `nullable()`, which turns it into `null`.
 */

/** Market state written by the owner (orchestrator / replay) from snapshots and aggregates (SPEC §2.1). */
export const STATE_COLUMNS = [
  'price',
  'volumeToday',
  'prevClose',
  'open',
  'dayClose',
  'high',
  'low',
  'bid',
  'ask',
  /** Instant (epoch ms) of the ticker's last observation. */
  'updatedMs',
  /** Today's VWAP: the last `day.vw` / aggregate `a` that was > 0 (SPEC §2.1). */
  'vwap',
  /**
   * The look-backs, written by the owner before each scan from the ticker's observations (observations.ts).
   * volumeAgo: cumulative volume at the latest observation at or before scan time − 300 s, any age (SPEC §3.1
   * rvolSlot); the others: the latest observation at or before t − k min, null when older than t − 2k min (§3).
   */
  'volumeAgo',
  'volumeAgo5m',
  'priceAgo1m',
  'priceAgo5m',
  'priceAgo15m',
] as const;

/** Metadata numbers (SPEC §2). */
export const META_COLUMNS = [
  'marketCap',
  'floatShares',
  'sharesOutstanding',
  'avgVolume30d',
  'avgVolume10d',
  'avgPrice30d',
  'beta',
] as const;

/** Per-ticker outputs of the kernel (SPEC §3, §5). */
export const OUTPUT_COLUMNS = [
  'change',
  'changePercent',
  'gapFromOpen',
  'gapFromOpenDollars',
  'gapAtOpen',
  'gapPremarket',
  'gapPostmarket',
  'priceFromHigh',
  'priceFromLow',
  'volumeRatio',
  'floatRotation',
  'dollarVolume',
  'rvol',
  'rvolSlot',
  'change1m',
  'change5m',
  'change15m',
  'volume5m',
  'rangePosition',
  'priceFromVwap',
  'spreadPercent',
  'score',
] as const;

/** Categorical metadata as dictionary codes (-1 = null) so filters compare integers, not strings. */
export const CODE_COLUMNS = ['sector', 'industry', 'exchange'] as const;

export type StateColumn = (typeof STATE_COLUMNS)[number];
export type MetaColumn = (typeof META_COLUMNS)[number];
export type OutputColumn = (typeof OUTPUT_COLUMNS)[number];
export type CodeColumn = (typeof CODE_COLUMNS)[number];
export type NumberColumn = StateColumn | MetaColumn | OutputColumn;

/**
 * RVOL baseline curve per ticker: mean cumulative volume at the end of each 5-minute slot of the day. The same
 * number as the session clock's SLOTS_PER_DAY (the type check fails if they part), written as a literal on
 * purpose: V8 folds a literal-initialised constant into the kernel's per-ticker loops, and not one copied from
 * another module's constant — measured with the copy, a 15K full scan took ≈ 30 % longer (bench/threads.bench.ts).
 */
export const SLOTS = 192 satisfies typeof SLOTS_PER_DAY;

export interface MarketColumns {
  readonly capacity: number;
  readonly num: Readonly<Record<NumberColumn, Float64Array>>;
  readonly code: Readonly<Record<CodeColumn, Int32Array>>;
  /** 1 = ETF, 0 = not, -1 = unknown. */
  readonly isEtf: Int8Array;
  /** Position of the ticker's symbol in code-unit order: ties break by symbol without strings in the kernel. */
  readonly symbolOrder: Int32Array;
  /** `capacity × SLOTS` baseline values; NaN when the ticker has too little history (RVOL "warming"). */
  readonly baseline: Float64Array;
  /** 1 when the kernel let the ticker through the filters at the last scan. */
  readonly passed: Uint8Array;
}

const ALL_NUMBER_COLUMNS: readonly NumberColumn[] = [...STATE_COLUMNS, ...META_COLUMNS, ...OUTPUT_COLUMNS];

function buffer(bytes: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/**
 * Allocates a table for `capacity` tickers. With `shared` (the default) every column is backed by a
 * SharedArrayBuffer so worker threads can read and write it in place.
 */
export function allocateColumns(capacity: number, shared = true): MarketColumns {
  const f64 = () => {
    const a = new Float64Array(buffer(capacity * 8, shared));
    a.fill(NaN);
    return a;
  };
  const i32 = () => {
    const a = new Int32Array(buffer(capacity * 4, shared));
    a.fill(-1);
    return a;
  };
  const num = Object.fromEntries(ALL_NUMBER_COLUMNS.map((c) => [c, f64()])) as Record<
    NumberColumn,
    Float64Array
  >;
  const code = Object.fromEntries(CODE_COLUMNS.map((c) => [c, i32()])) as Record<CodeColumn, Int32Array>;
  const isEtf = new Int8Array(buffer(capacity, shared));
  isEtf.fill(-1);
  const baseline = new Float64Array(buffer(capacity * SLOTS * 8, shared));
  baseline.fill(NaN);
  return {
    capacity,
    num,
    code,
    isEtf,
    symbolOrder: i32(),
    baseline,
    passed: new Uint8Array(buffer(capacity, shared)),
  };
}

/** A table twice as large (at least `minCapacity`) holding the same rows. Old views stay valid but stale. */
export function growColumns(old: MarketColumns, minCapacity: number, shared = true): MarketColumns {
  let capacity = Math.max(16, old.capacity);
  while (capacity < minCapacity) capacity *= 2;
  const next = allocateColumns(capacity, shared);
  for (const c of ALL_NUMBER_COLUMNS) next.num[c].set(old.num[c]);
  for (const c of CODE_COLUMNS) next.code[c].set(old.code[c]);
  next.isEtf.set(old.isEtf);
  next.symbolOrder.set(old.symbolOrder);
  next.baseline.set(old.baseline);
  next.passed.set(old.passed);
  return next;
}

/** Clears the market state of one row (a new trading day); metadata and baselines are kept. */
export function clearStateRow(cols: MarketColumns, row: number): void {
  for (const c of STATE_COLUMNS) cols.num[c][row] = NaN;
}

/** NaN → null at the edge where numbers leave the engine. */
export function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
