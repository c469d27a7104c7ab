import type { ScanCandidates } from '../../shared/scan/ranking-order.js';

/** A kernel result as plain arrays, so that two results compare with toEqual. */
export function plainCandidates(c: ScanCandidates) {
  return {
    ranked: Array.from(c.ranked),
    offsets: Array.from(c.lists.offsets),
    rows: Array.from(c.lists.rows),
    keys: Array.from(c.lists.keys),
  };
}
