import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateColumns } from './columns.js';
import { compareByRank, scoreRanksOf } from './ranking-order.js';

describe('scoreRanksOf', () => {
  it('gives each asked row its 1-based place among all passing rows, as a full sort does (random tables)', () => {
    const table = fc.array(
      fc.record({
        // Few distinct scores, so that ties (broken by symbol order) are common.
        score: fc.oneof(fc.constantFrom(0, 1, 2.5), fc.double({ min: 0, max: 100, noNaN: true })),
        passed: fc.boolean(),
      }),
      { minLength: 1, maxLength: 200 },
    );
    fc.assert(
      fc.property(table, fc.integer({ min: 0, max: 1e9 }), (rows, seed) => {
        const cols = allocateColumns(rows.length, false);
        // A shuffled symbol order: row index and symbol order must not coincide.
        const order = rows
          .map((_, i) => i)
          .sort((a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101) || a - b);
        rows.forEach((r, i) => {
          cols.num.score[i] = r.score;
          cols.passed[i] = r.passed ? 1 : 0;
          cols.symbolOrder[order[i]!] = i;
        });
        const passing = rows.flatMap((r, i) => (r.passed ? [i] : []));
        const full = [...passing].sort(compareByRank(cols));
        const asked = passing.filter((_, k) => (k + seed) % 3 === 0);
        const ranks = scoreRanksOf(cols, rows.length, asked);
        expect(asked.map((r) => ranks.get(r))).toEqual(asked.map((r) => full.indexOf(r) + 1));
      }),
      { numRuns: 300 },
    );
  });
});
