import type { CodeLookup } from './filters.js';
import { canonicalScanKey, type ScanCondition, type ScanDefinition } from './scan-definition.js';
import { isCodeColumn, isNumericKind, SCAN_FIELDS } from './scan-fields.js';
import { SESSIONS, type Session } from './sessions.js';

/**
 * Scans compiled for the column evaluator (scan-evaluate.ts), as filters.ts compiles filters: every condition
 * becomes one of a few predicate kinds over a column, with numbers folded into inclusive bounds, so the
 * evaluator runs one tight loop per condition and per kind. Plain data and typed arrays only, so a compiled set
 * can be structured-cloned to a worker thread. Identical definitions (same canonical key, id and name aside)
 * compile once.
 */

/** value ∈ [lo, hi]; strict bounds are made inclusive with the next double, and NaN (null) fails. */
export const RANGE = 0;
/** value is not null and ≠ `values[0]`. */
export const NOT_EQUAL = 1;
/** value ∈ `values`. */
export const NUMBER_IN = 2;
/** value is not null and ∉ `values`. */
export const NUMBER_NOT_IN = 3;
/** value is null. */
export const NUMBER_NULL = 4;
/**
 * `mask[code + 1]` = 1 (== and in over a coded field). Masks are shifted by one so that null (-1) reads slot 0,
 * which is never set: the loops index them without a branch.
 */
export const CODE_IN = 5;
/** code ≥ 0 and `mask[code + 1]` ≠ 1 (!=, notIn, and notNull with an empty mask). */
export const CODE_NOT_IN = 6;
/** code < 0 (null). */
export const CODE_NULL = 7;

export interface CompiledCondition {
  readonly kind: number;
  /** A number column, a derived field, a code column or `isEtf`. */
  readonly field: string;
  readonly lo: number;
  readonly hi: number;
  readonly values: Float64Array;
  readonly mask: Uint8Array;
}

export interface CompiledScan {
  readonly key: string;
  readonly limit: number;
  /** Bit i set when the scan runs in SESSIONS[i]. */
  readonly sessionMask: number;
  readonly sortField: string;
  /** +1 for desc, -1 for asc: keys are oriented so that larger is better, as in the built-in lists. */
  readonly sortSign: number;
  readonly sortAbs: boolean;
  /** ORed groups of ANDed conditions (a group that cannot match is dropped); see `matchAll`. */
  readonly groups: readonly (readonly CompiledCondition[])[];
  /** `where` was empty: every ticker matches (no group left otherwise means none does). */
  readonly matchAll: boolean;
}

export interface CompiledScans {
  /** The distinct scans, each evaluated once. */
  readonly scans: readonly CompiledScan[];
  /** For each definition given, the index of its scan in `scans`. */
  readonly indexOf: Int32Array;
  /** Derived fields the scans read (computed once per evaluation). */
  readonly derived: readonly string[];
}

const scratch = new Float64Array(1);
const bits = new BigUint64Array(scratch.buffer);

/** The least double above x (x itself for NaN and +Infinity). */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  scratch[0] = x;
  bits[0] = x > 0 ? bits[0]! + 1n : bits[0]! - 1n;
  return scratch[0];
}

export function nextDown(x: number): number {
  return -nextUp(-x);
}

const NO_VALUES = new Float64Array(0);
const NO_MASK = new Uint8Array(0);

function condition(kind: number, field: string, o: Partial<CompiledCondition> = {}): CompiledCondition {
  return { kind, field, lo: -Infinity, hi: Infinity, values: NO_VALUES, mask: NO_MASK, ...o };
}

/** The mask of the given values (shifted by one): dictionary codes for sector/industry/exchange, 1/0 for isEtf. */
function maskOf(field: string, values: readonly unknown[], codes: CodeLookup): Uint8Array {
  if (!isCodeColumn(field)) {
    const mask = new Uint8Array(3);
    for (const v of values) mask[v === true ? 2 : 1] = 1;
    return mask;
  }
  const mask = new Uint8Array(codes.size(field) + 1);
  for (const v of values) {
    // A value no ticker has (yet) selects nothing; see docs/scans.md on recompiling when metadata changes.
    const code = codes.codeOf(field, String(v));
    if (code !== undefined) mask[code + 1] = 1;
  }
  return mask;
}

function compileCategorical(c: ScanCondition, codes: CodeLookup): CompiledCondition {
  const list = Array.isArray(c.value) ? c.value : c.value === undefined ? [] : [c.value];
  switch (c.op) {
    case '==':
    case 'in':
      return condition(CODE_IN, c.field, { mask: maskOf(c.field, list, codes) });
    case 'isNull':
      return condition(CODE_NULL, c.field);
    case '!=':
    case 'notIn':
    case 'notNull':
      return condition(CODE_NOT_IN, c.field, { mask: maskOf(c.field, list, codes) });
    case '>=':
    case '<=':
    case '>':
    case '<':
      throw new Error(`"${c.op}" on ${c.field}: refused by the scan schema, never compiled`);
  }
}

/** Compiles one group: numeric bounds on one field fold into a single range. Null if it can match nothing. */
function compileGroup(group: readonly ScanCondition[], codes: CodeLookup): CompiledCondition[] | null {
  const ranges = new Map<string, { lo: number; hi: number }>();
  const others: CompiledCondition[] = [];
  for (const c of group) {
    if (!isNumericKind(SCAN_FIELDS.get(c.field)!.kind)) {
      others.push(compileCategorical(c, codes));
      continue;
    }
    const r = ranges.get(c.field) ?? { lo: -Infinity, hi: Infinity };
    const v = c.value as number;
    switch (c.op) {
      case '>=':
        r.lo = Math.max(r.lo, v);
        break;
      case '>':
        r.lo = Math.max(r.lo, nextUp(v));
        break;
      case '<=':
        r.hi = Math.min(r.hi, v);
        break;
      case '<':
        r.hi = Math.min(r.hi, nextDown(v));
        break;
      case '==':
        r.lo = Math.max(r.lo, v);
        r.hi = Math.min(r.hi, v);
        break;
      case 'notNull':
        break; // an unbounded range: NaN fails it
      case '!=':
        others.push(condition(NOT_EQUAL, c.field, { values: Float64Array.of(v) }));
        continue;
      case 'in':
        others.push(condition(NUMBER_IN, c.field, { values: Float64Array.from(c.value as number[]) }));
        continue;
      case 'notIn':
        others.push(condition(NUMBER_NOT_IN, c.field, { values: Float64Array.from(c.value as number[]) }));
        continue;
      case 'isNull':
        others.push(condition(NUMBER_NULL, c.field));
        continue;
    }
    ranges.set(c.field, r);
  }
  const out: CompiledCondition[] = [];
  for (const [field, { lo, hi }] of ranges) {
    if (lo > hi) return null;
    out.push(condition(RANGE, field, { lo, hi }));
  }
  // Ranges first: they are the usual selective conditions, and the first condition is the full pass.
  return [...out, ...others];
}

function sessionMaskOf(sessions: readonly Session[]): number {
  if (sessions.length === 0) return (1 << SESSIONS.length) - 1;
  let mask = 0;
  for (const s of sessions) mask |= 1 << SESSIONS.indexOf(s);
  return mask;
}

export function sessionBit(session: Session): number {
  return 1 << SESSIONS.indexOf(session);
}

function compileScan(def: ScanDefinition, key: string, codes: CodeLookup): CompiledScan {
  const groups = def.where
    .map((g) => compileGroup(g, codes))
    .filter((g): g is CompiledCondition[] => g !== null);
  return {
    key,
    limit: def.limit,
    sessionMask: sessionMaskOf(def.sessions),
    sortField: def.sort.field,
    sortSign: def.sort.dir === 'desc' ? 1 : -1,
    sortAbs: def.sort.abs === true,
    groups,
    matchAll: def.where.length === 0,
  };
}

/**
 * Compiles validated definitions (parseScan / the presets). Category values resolve to dictionary codes now,
 * so a set compiled before a value first appears in the metadata must be recompiled for that value to match.
 */
export function compileScans(defs: readonly ScanDefinition[], codes: CodeLookup): CompiledScans {
  const byKey = new Map<string, number>();
  const scans: CompiledScan[] = [];
  const indexOf = new Int32Array(defs.length);
  const derived = new Set<string>();
  defs.forEach((def, i) => {
    const key = canonicalScanKey(def);
    let k = byKey.get(key);
    if (k === undefined) {
      k = scans.length;
      byKey.set(key, k);
      const scan = compileScan(def, key, codes);
      scans.push(scan);
      for (const f of [scan.sortField, ...scan.groups.flat().map((c) => c.field)])
        if (SCAN_FIELDS.get(f)?.kind === 'derived') derived.add(f);
    }
    indexOf[i] = k;
  });
  return { scans, indexOf, derived: [...derived] };
}
