import type { CodeColumn, NumberColumn } from './columns.js';
import type { FilterParameters, ScannerFilter } from './filters-schema.js';
import type { Session } from './sessions.js';

/**
 * Filters compiled for one scan (SPEC §4).
 *
 * A ticker must pass every enabled filter that applies to the session, so the filters fold into one
 * predicate: the tightest bound per metric, the intersection of the category lists, `excludeEtf` if any
 * asks for it. The kernel then checks a handful of numbers per ticker instead of walking filter objects.
 * Bounds are inclusive and NaN (null) fails every comparison, which is exactly "a bound applied to a null
 * value fails".
 */

/** The metric each numeric parameter bounds, in the order the compiled bounds refer to them. */
const BOUND_PARAMETERS: ReadonlyArray<
  readonly [keyof FilterParameters, keyof FilterParameters | null, NumberColumn]
> = [
  ['minRvol', 'maxRvol', 'rvol'],
  ['minRvolSlot', null, 'rvolSlot'],
  ['minPrice', 'maxPrice', 'price'],
  ['minVolume', 'maxVolume', 'volumeToday'],
  ['minChangePercent', 'maxChangePercent', 'changePercent'],
  ['minGapFromOpen', 'maxGapFromOpen', 'gapFromOpen'],
  ['minMarketCap', 'maxMarketCap', 'marketCap'],
  ['minFloat', 'maxFloat', 'floatShares'],
  ['minDollarVolume', null, 'dollarVolume'],
];

const SET_PARAMETERS: ReadonlyArray<readonly ['sectors' | 'industries' | 'exchanges', CodeColumn]> = [
  ['sectors', 'sector'],
  ['industries', 'industry'],
  ['exchanges', 'exchange'],
];

export interface CompiledBound {
  readonly column: NumberColumn;
  readonly min: number;
  readonly max: number;
}

export interface CompiledSet {
  readonly column: CodeColumn;
  /** allowed[code] === 1 when the code passes; a null code (-1) never does. */
  readonly allowed: Uint8Array;
}

/** A plain, structured-clonable predicate: what the kernel (and a worker thread) receives. */
export interface CompiledFilters {
  readonly bounds: readonly CompiledBound[];
  readonly sets: readonly CompiledSet[];
  readonly excludeEtf: boolean;
  /** Names of the filters applied, by priority desc then id asc: every passing ticker's `filtersMatched`. */
  readonly matched: readonly string[];
}

/** Maps a category string (sector, industry, exchange) to its code. */
export interface CodeLookup {
  codeOf(column: CodeColumn, value: string): number | undefined;
  size(column: CodeColumn): number;
}

/** The filters that apply: enabled, and either listing the session or listing none. */
export function applicableFilters(filters: readonly ScannerFilter[], session: Session): ScannerFilter[] {
  return filters
    .filter((f) => f.enabled && (f.sessions.length === 0 || f.sessions.includes(session)))
    .sort((a, b) => b.priority - a.priority || a.id - b.id);
}

export function compileFilters(
  filters: readonly ScannerFilter[],
  session: Session,
  codes: CodeLookup,
): CompiledFilters {
  const applied = applicableFilters(filters, session);
  const bounds = new Map<NumberColumn, { min: number; max: number }>();
  const sets = new Map<CodeColumn, Uint8Array>();
  let excludeEtf = false;

  for (const { parameters: p } of applied) {
    for (const [minKey, maxKey, column] of BOUND_PARAMETERS) {
      const min = p[minKey] as number | undefined;
      const max = maxKey ? (p[maxKey] as number | undefined) : undefined;
      // `!== undefined`, not truthiness: a bound of 0 is a bound (the old system's defect).
      if (min === undefined && max === undefined) continue;
      const b = bounds.get(column) ?? { min: -Infinity, max: Infinity };
      if (min !== undefined) b.min = Math.max(b.min, min);
      if (max !== undefined) b.max = Math.min(b.max, max);
      bounds.set(column, b);
    }
    for (const [key, column] of SET_PARAMETERS) {
      const values = p[key];
      if (values === undefined) continue;
      const allowed = new Uint8Array(codes.size(column));
      for (const v of values) {
        const code = codes.codeOf(column, v);
        if (code !== undefined) allowed[code] = 1;
      }
      const prev = sets.get(column);
      if (prev) for (let i = 0; i < allowed.length; i++) allowed[i]! &= prev[i] ?? 0;
      sets.set(column, allowed);
    }
    if (p.excludeEtf === true) excludeEtf = true;
  }

  return {
    bounds: [...bounds].map(([column, b]) => ({ column, ...b })),
    sets: [...sets].map(([column, allowed]) => ({ column, allowed })),
    excludeEtf,
    matched: applied.map((f) => f.name),
  };
}
