import type { MarketColumns } from '../shared/scan/columns.js';
import {
  canonicalScanKey,
  scanSchema,
  type ScanCondition,
  type ScanDefinition,
} from '../shared/scan/scan-definition.js';
import { derivedField, isNumericKind, SCAN_FIELDS } from '../shared/scan/scan-fields.js';
import { SESSIONS } from '../shared/scan/sessions.js';

/**
 * Random, valid, pairwise distinct scans over a loaded market table, for the evaluator's tests (against a naive
 * reference) and its benchmark. Thresholds are drawn from the values tickers actually have, so conditions select
 * something rather than all or nothing; every operator and field kind appears.
 */
export interface RandomScanOptions {
  readonly cols: MarketColumns;
  /** Rows in use ([0, size)). */
  readonly size: number;
  /** The values each categorical field takes (sector, industry, exchange). */
  readonly categories: Readonly<Record<string, readonly string[]>>;
  readonly rand: () => number;
  /** Sort fields to draw from (default: every number field); a few make scans share their sort, as users do. */
  readonly sortFields?: readonly string[];
}

const NUMERIC_OPS: readonly ScanCondition['op'][] = [
  '>=', '>=', '>=', '<=', '<=', '>', '<', '==', '!=', 'in', 'notIn', 'isNull', 'notNull',
]; // prettier-ignore
const CODE_OPS: readonly ScanCondition['op'][] = ['==', '!=', 'in', 'notIn', 'isNull', 'notNull'];

export function randomScans(count: number, o: RandomScanOptions): ScanDefinition[] {
  const { rand } = o;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const fields = [...SCAN_FIELDS.values()];
  const numeric = fields.filter((f) => isNumericKind(f.kind)).map((f) => f.name);
  const columns = new Map<string, Float64Array>();
  const columnOf = (field: string): Float64Array => {
    let col = columns.get(field);
    if (!col) {
      const d = derivedField(field);
      if (d) {
        col = new Float64Array(o.size);
        d.compute(o.cols, 0, o.size, col);
      } else col = o.cols.num[field as keyof MarketColumns['num']];
      columns.set(field, col);
    }
    return col;
  };
  /** A value some ticker has (so == and in can match), or now and then an arbitrary one. */
  const numberFor = (field: string): number => {
    const col = columnOf(field);
    for (let tries = 0; tries < 20; tries++) {
      const v = col[Math.floor(rand() * o.size)]!;
      if (!Number.isNaN(v)) return v;
    }
    return Math.round(rand() * 100) - 20;
  };
  const categoryFor = (field: string): string =>
    rand() < 0.1 ? 'Not a value' : pick(o.categories[field] ?? ['Not a value']);

  const condition = (): ScanCondition => {
    const field = rand() < 0.8 ? pick(numeric) : pick(fields).name;
    const kind = SCAN_FIELDS.get(field)!.kind;
    if (isNumericKind(kind)) {
      const op = pick(NUMERIC_OPS);
      if (op === 'isNull' || op === 'notNull') return { field, op };
      if (op === 'in' || op === 'notIn')
        return {
          field,
          op,
          value: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => numberFor(field)),
        };
      return { field, op, value: numberFor(field) };
    }
    const op = pick(CODE_OPS);
    if (op === 'isNull' || op === 'notNull') return { field, op };
    const one = () => (kind === 'flag' ? rand() < 0.5 : categoryFor(field));
    if (op === 'in' || op === 'notIn')
      return { field, op, value: Array.from({ length: 1 + Math.floor(rand() * 3) }, one) };
    return { field, op, value: one() };
  };

  const out: ScanDefinition[] = [];
  const keys = new Set<string>();
  while (out.length < count) {
    const groups = rand() < 0.7 ? 1 : 2 + Math.floor(rand() * 2);
    const candidate = {
      id: `s${out.length}`,
      where: Array.from({ length: rand() < 0.05 ? 0 : groups }, () =>
        Array.from({ length: 1 + Math.floor(rand() * 3) }, condition),
      ),
      sort: { field: pick(o.sortFields ?? numeric), dir: rand() < 0.5 ? 'asc' : 'desc', abs: rand() < 0.2 },
      limit: rand() < 0.5 ? 20 : 1 + Math.floor(rand() * 100),
      sessions: rand() < 0.8 ? [] : SESSIONS.filter(() => rand() < 0.5),
    };
    const parsed = scanSchema.safeParse(candidate);
    if (!parsed.success) continue; // e.g. price >= 10 and price <= 1: refused, as it should be
    const key = canonicalScanKey(parsed.data);
    if (keys.has(key)) continue;
    keys.add(key);
    out.push(parsed.data);
  }
  return out;
}
