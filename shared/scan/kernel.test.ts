import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainCandidates } from '../../test/utils/candidates.js';
import { engine, historyDays, ny, snapshotRow } from '../../test/utils/market.js';
import { parseFilter } from './filters-schema.js';
import { scanKernel } from './kernel.js';
import { mergeCandidates } from './ranking-order.js';

describe('scan kernel over shards', () => {
  it('gives exactly the single-pass ranking and lists when shard candidates are merged (random markets)', () => {
    const cents = (max: number) => fc.integer({ min: 1, max }).map((c) => c / 100);
    const market = fc.uniqueArray(
      fc.record({
        symbol: fc.stringMatching(/^[A-Z]{1,4}$/),
        // Few distinct prices, so that list keys tie often and the symbol order decides.
        price: fc.oneof(cents(100_000), fc.constantFrom(10, 10.5, 11, 9)),
        prevClose: fc.oneof(cents(100_000), fc.constant(10)),
        open: fc.oneof(cents(100_000), fc.constant(10)),
        high: fc.constantFrom(0, 11, 1000),
        low: fc.constantFrom(0, 9, 0.01),
        volume: fc.integer({ min: 0, max: 50_000 }),
      }),
      { selector: (r) => r.symbol, minLength: 1, maxLength: 300 },
    );
    fc.assert(
      fc.property(
        market,
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 25 }),
        (rows, shards, k, listLimit) => {
          const e = engine({
            settings: { maxFiltered: k, listLimit },
            history: rows
              .slice(0, 50)
              .flatMap((r) => historyDays(r.symbol, ['2026-02-27'], (s) => 100 * (s + 1))),
            filters: [parseFilter({ id: 1, name: 'liquid', parameters: { minVolume: 100 } })],
          });
          e.applySnapshot(
            ny('10:00'),
            rows.map((r) => snapshotRow(r.symbol, r)),
          );
          const { params } = e.prepare(ny('10:00'));
          const n = e.state.size;
          const single = scanKernel(e.state.cols, params, 0, n);
          const step = Math.ceil(n / shards);
          const parts = Array.from({ length: shards }, (_, s) =>
            scanKernel(e.state.cols, params, s * step, Math.min(n, (s + 1) * step)),
          );
          expect(plainCandidates(mergeCandidates(e.state.cols, parts, k, listLimit))).toEqual(
            plainCandidates(single),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
