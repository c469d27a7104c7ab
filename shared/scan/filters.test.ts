import { describe, expect, it } from 'vitest';
import { engine, metadata, ny, scanOne, snapshotRow } from '../../test/utils/market.js';
import {
  BOUND_PAIRS,
  filterParametersSchema,
  InvalidFilterError,
  parseFilter,
  parseFilterList,
  type ScannerFilterInput,
} from './filters-schema.js';

const f = (
  id: number,
  parameters: ScannerFilterInput['parameters'],
  extra: Partial<ScannerFilterInput> = {},
) => parseFilter({ id, name: `f${id}`, parameters, ...extra });

/** Symbols passing `filters` at `time`, from a small market. */
function passing(filters: ReturnType<typeof f>[], time = '10:00'): string[] {
  const e = engine({
    filters,
    metadata: [
      metadata('ETF', { isEtf: true, sector: null, exchange: 'ARCX', marketCap: null }),
      metadata('BIG', { marketCap: 5e11, sector: 'Technology', exchange: 'XNAS' }),
      metadata('SMALL', { marketCap: 0, sector: 'Healthcare', exchange: 'XNYS', floatShares: 1e6 }),
    ],
  });
  const { outcome } = scanOne(e, ny(time), [
    snapshotRow('ETF', { price: 50, prevClose: 50, volume: 1000 }),
    snapshotRow('BIG', { price: 200, prevClose: 190, volume: 0 }),
    snapshotRow('SMALL', { price: 2, prevClose: 1, volume: 500_000 }),
    snapshotRow('NOMETA', { price: 5, prevClose: 5, volume: 10 }),
  ]);
  return outcome.ranked.map((r) => r.symbol).sort();
}

describe('filters (SPEC §4)', () => {
  it('passes every ticker when no enabled filter applies to the session (fix: nothing passed)', () => {
    expect(passing([])).toEqual(['BIG', 'ETF', 'NOMETA', 'SMALL']);
    expect(passing([f(1, { minPrice: 100 }, { enabled: false })])).toHaveLength(4);
    expect(passing([f(1, { minPrice: 100 }, { sessions: ['PRE_MARKET'] })])).toHaveLength(4);
  });

  it('applies bounds inclusively', () => {
    expect(passing([f(1, { minPrice: 50, maxPrice: 200 })])).toEqual(['BIG', 'ETF']);
  });

  it('applies a bound of 0 (fix: 0 was ignored)', () => {
    expect(passing([f(1, { maxVolume: 0 })])).toEqual(['BIG']);
    expect(passing([f(1, { minMarketCap: 0, maxMarketCap: 0 })])).toEqual(['SMALL']);
  });

  it('fails a bound applied to a null value, for max bounds too (fix: max bounds crashed on null)', () => {
    expect(passing([f(1, { maxMarketCap: 1e12 })])).toEqual(['BIG', 'SMALL']);
    expect(passing([f(1, { maxRvol: 100 })])).toEqual([]);
  });

  it('requires the ticker to pass every applicable filter', () => {
    expect(passing([f(1, { minPrice: 2 }), f(2, { maxPrice: 60 })])).toEqual(['ETF', 'NOMETA', 'SMALL']);
    expect(passing([f(1, { minPrice: 2 }), f(2, { maxPrice: 60 }), f(3, { minVolume: 100 })])).toEqual([
      'ETF',
      'SMALL',
    ]);
  });

  it('matches sectors, industries and exchanges by list membership; a null value never matches', () => {
    expect(passing([f(1, { sectors: ['Healthcare', 'Technology'] })])).toEqual(['BIG', 'SMALL']);
    expect(passing([f(1, { exchanges: ['ARCX'] })])).toEqual(['ETF']);
    expect(passing([f(1, { sectors: ['Technology'] }), f(2, { sectors: ['Healthcare'] })])).toEqual([]);
    expect(passing([f(1, { industries: ['Nonexistent'] })])).toEqual([]);
  });

  it('rejects ETFs with excludeEtf and keeps tickers whose isEtf is unknown', () => {
    expect(passing([f(1, { excludeEtf: true })])).toEqual(['BIG', 'NOMETA', 'SMALL']);
  });

  it('applies a filter only in the sessions it lists', () => {
    const premarketOnly = f(1, { minPrice: 100 }, { sessions: ['PRE_MARKET'] });
    expect(passing([premarketOnly], '08:00')).toEqual(['BIG']);
    expect(passing([premarketOnly], '10:00')).toHaveLength(4);
  });

  it('lists the matched filters by priority desc, then id asc', () => {
    const e = engine({
      filters: [
        f(3, { minPrice: 1 }, { priority: 5 }),
        f(1, { minPrice: 1 }, { priority: 1 }),
        f(2, { minPrice: 1 }, { priority: 5 }),
        f(4, { minPrice: 1 }, { enabled: false }),
      ],
    });
    const { row } = scanOne(e, ny('10:00'), [snapshotRow('A', { price: 5 })]);
    expect(row?.filtersMatched).toEqual(['f2', 'f3', 'f1']);
  });

  it('takes effect at the next scan without a restart', () => {
    const e = engine();
    expect(scanOne(e, ny('10:00'), [snapshotRow('A', { price: 5 })]).outcome.ranked).toHaveLength(1);
    e.setFilters([f(1, { minPrice: 10 })]);
    expect(e.scan(ny('10:00')).ranked).toHaveLength(0);
  });
});

describe('filter validation', () => {
  it('rejects an unknown parameter with a message naming it', () => {
    expect(() => parseFilter({ id: 1, name: 'typo', parameters: { minPirce: 5 } })).toThrow(/minPirce/);
  });

  it('rejects a wrong type, a bad session and a non-finite bound', () => {
    expect(() => parseFilter({ id: 1, name: 'x', parameters: { minPrice: '5' } })).toThrow(
      InvalidFilterError,
    );
    expect(() => parseFilter({ id: 1, name: 'x', sessions: ['LUNCH'] })).toThrow(/sessions\.0/);
    expect(() => parseFilter({ id: 1, name: 'x', parameters: { maxPrice: Infinity } })).toThrow(/maxPrice/);
  });

  it('rejects a whole list when one filter is invalid, and duplicate ids', () => {
    expect(() =>
      parseFilterList([
        { id: 1, name: 'ok' },
        { id: 2, name: '' },
      ]),
    ).toThrow(/1\.name/);
    expect(() =>
      parseFilterList([
        { id: 1, name: 'a' },
        { id: 1, name: 'b' },
      ]),
    ).toThrow(/duplicate filter id 1/);
  });

  it('rejects a min bound above its max bound on every metric, naming the metric and both values', () => {
    for (const [min, max] of BOUND_PAIRS) {
      const impossible = { id: 1, name: 'x', parameters: { [min]: 10, [max]: 1 } };
      expect(() => parseFilter(impossible)).toThrow(InvalidFilterError);
      expect(() => parseFilter(impossible)).toThrow(
        `parameters.${min}: ${min} 10 is above ${max} 1: no ticker can match`,
      );
    }
    expect(() =>
      parseFilterList([
        { id: 1, name: 'ok' },
        { id: 2, name: 'x', parameters: { minPrice: 10, maxPrice: 1 } },
      ]),
    ).toThrow(/1\.parameters\.minPrice: minPrice 10 is above maxPrice 1/);
  });

  it('accepts a min bound equal to its max bound (bounds are inclusive) and a lone bound', () => {
    for (const [min, max] of BOUND_PAIRS) {
      expect(parseFilter({ id: 1, name: 'x', parameters: { [min]: 5, [max]: 5 } }).parameters).toEqual({
        [min]: 5,
        [max]: 5,
      });
      expect(() => parseFilter({ id: 1, name: 'x', parameters: { [min]: 10 } })).not.toThrow();
      expect(() => parseFilter({ id: 1, name: 'x', parameters: { [max]: -10 } })).not.toThrow();
    }
  });

  it('checks every min/max pair of the schema (a new pair cannot be forgotten)', () => {
    const keys = Object.keys(filterParametersSchema.shape);
    const pairs = keys
      .filter((k) => k.startsWith('min') && keys.includes(`max${k.slice(3)}`))
      .map((k) => [k, `max${k.slice(3)}`]);
    expect(pairs).toEqual(BOUND_PAIRS.map((p) => [...p]));
  });

  it('fills defaults: enabled, priority 0, all sessions, no parameters', () => {
    expect(parseFilter({ id: 7, name: 'all' })).toEqual({
      id: 7,
      name: 'all',
      description: '',
      enabled: true,
      priority: 0,
      sessions: [],
      parameters: {},
    });
  });
});
