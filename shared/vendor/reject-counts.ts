import { REJECT_REASONS, type RejectReason } from './snapshot-columns.js';

/*
 * Rejected snapshot rows counted by reason (docs/architecture.md: "bad input is rejected with a clear reason and
 * counted"), for every path that decodes snapshots: the vendor poller and the simulator. A total alone hides
 * which fault it is — a vendor sending rows without a price is routine before the open, duplicates are not.
 */

/** The column decoder's reasons, plus `invalid_row` for the row-by-row zod path, which has no finer reason. */
export const REJECT_COUNT_KEYS = [...REJECT_REASONS, 'invalid_row'] as const;
export type RejectCountKey = RejectReason | 'invalid_row';
export type RejectCounts = Record<RejectCountKey, number>;

export function emptyRejectCounts(): RejectCounts {
  return Object.fromEntries(REJECT_COUNT_KEYS.map((k) => [k, 0])) as RejectCounts;
}

/** Adds `from` into `into`; returns how many rows `from` holds. */
export function addRejectCounts(into: RejectCounts, from: Readonly<Partial<RejectCounts>>): number {
  let total = 0;
  for (const k of REJECT_COUNT_KEYS) {
    const n = from[k] ?? 0;
    into[k] += n;
    total += n;
  }
  return total;
}
