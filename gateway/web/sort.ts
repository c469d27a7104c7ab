import type { ScanRow } from '../../shared/protocol/messages.js';
import { COLUMNS, type ColumnKey, type SortValue } from './columns.js';

/*
 * A panel's client-side sort. Stable: rows that compare equal keep the server's order (its rank), so a sort by
 * sector still reads best-first within each sector. A row without a value sorts last in either direction: a
 * missing float is not a small float (SPEC: null is never 0).
 */

export type SortDir = 'asc' | 'desc';
export interface SortSpec {
  readonly key: ColumnKey;
  readonly dir: SortDir;
}

function compare(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en-US', { numeric: true });
}

/** `rows` (in server order) sorted by `sort`; the same array when there is nothing to sort by. */
export function sortRows(rows: readonly ScanRow[], sort: SortSpec | null): readonly ScanRow[] {
  const column = sort && COLUMNS.get(sort.key);
  if (!sort || !column) return rows;
  const sign = sort.dir === 'asc' ? 1 : -1;
  const keyed = rows.map((row, i) => ({ row, i, v: column.value(row) }));
  keyed.sort((x, y) => {
    if (x.v === null || y.v === null) {
      if (x.v === y.v) return x.i - y.i;
      return x.v === null ? 1 : -1;
    }
    return sign * compare(x.v, y.v) || x.i - y.i;
  });
  return keyed.map((k) => k.row);
}

/**
 * A header click: a new column sorts numbers high-first and words A-first (what a trader looks for first);
 * a second click reverses; a third returns to the server's order (null).
 */
export function nextSort(current: SortSpec | null, key: ColumnKey): SortSpec | null {
  const column = COLUMNS.get(key);
  if (!column) return current;
  const first: SortDir = column.kind === 'num' ? 'desc' : 'asc';
  if (current?.key !== key) return { key, dir: first };
  if (current.dir === first) return { key, dir: first === 'asc' ? 'desc' : 'asc' };
  return null;
}
