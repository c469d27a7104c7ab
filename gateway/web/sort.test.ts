import { describe, expect, it } from 'vitest';
import { scanRow } from '../../test/utils/scan-row.js';
import { nextSort, sortRows } from './sort.js';

const rows = [
  scanRow('AAA', 1, { price: 10, sector: 'Tech', marketCap: 5e9 }),
  scanRow('BBB', 2, { price: 30, sector: 'Energy', marketCap: null }),
  scanRow('CCC', 3, { price: 20, sector: 'Tech', marketCap: 1e9 }),
  scanRow('DDD', 4, { price: 20, sector: 'Energy', marketCap: 2e9 }),
];
const order = (sorted: readonly { symbol: string }[]) => sorted.map((r) => r.symbol);

describe('sorting a panel', () => {
  it('keeps the server order without a sort', () => {
    expect(sortRows(rows, null)).toBe(rows);
  });

  it('sorts numbers either way, ties in server order', () => {
    expect(order(sortRows(rows, { key: 'price', dir: 'desc' }))).toEqual(['BBB', 'CCC', 'DDD', 'AAA']);
    expect(order(sortRows(rows, { key: 'price', dir: 'asc' }))).toEqual(['AAA', 'CCC', 'DDD', 'BBB']);
  });

  it('is stable on words: equal sectors keep the server order', () => {
    expect(order(sortRows(rows, { key: 'sector', dir: 'asc' }))).toEqual(['BBB', 'DDD', 'AAA', 'CCC']);
  });

  it('puts a missing value last in both directions (null is not small)', () => {
    expect(order(sortRows(rows, { key: 'marketCap', dir: 'desc' }))).toEqual(['AAA', 'DDD', 'CCC', 'BBB']);
    expect(order(sortRows(rows, { key: 'marketCap', dir: 'asc' }))).toEqual(['CCC', 'DDD', 'AAA', 'BBB']);
  });

  it('cycles a header: numbers high first, words A first, then reversed, then the server order', () => {
    expect(nextSort(null, 'price')).toEqual({ key: 'price', dir: 'desc' });
    expect(nextSort({ key: 'price', dir: 'desc' }, 'price')).toEqual({ key: 'price', dir: 'asc' });
    expect(nextSort({ key: 'price', dir: 'asc' }, 'price')).toBeNull();
    expect(nextSort({ key: 'price', dir: 'asc' }, 'symbol')).toEqual({ key: 'symbol', dir: 'asc' });
    expect(nextSort({ key: 'symbol', dir: 'asc' }, 'symbol')).toEqual({ key: 'symbol', dir: 'desc' });
  });
});
