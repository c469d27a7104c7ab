import { describe, expect, it } from 'vitest';
import { scanRowSchema } from '../../shared/protocol/messages.js';
import { scanRow } from '../../test/utils/scan-row.js';
import { COLUMN_KEYS, COLUMNS, DEFAULT_COLUMNS, inColumnOrder } from './columns.js';
import { MISSING } from './format.js';

describe('the columns a panel can show', () => {
  it('offer every field of the protocol row, each once', () => {
    for (const field of Object.keys(scanRowSchema.shape))
      expect(COLUMNS.has(field as never), field).toBe(true);
    expect(new Set(COLUMN_KEYS).size).toBe(COLUMN_KEYS.length);
  });

  it('read as a trader reads them: K/M/B, signed 2-decimal percents, price decimals by price', () => {
    const r = scanRow('ABC', 1, {
      price: 0.5234,
      change: -0.0312,
      marketCap: 2.9e12,
      floatShares: 48_250_000,
      dollarVolume: 1_234_567,
      change5m: 1.234,
      spreadPercent: 0.456,
      rangePosition: 63.25,
      isEtf: false,
      filtersMatched: ['liquid', 'priced'],
    });
    const text = (k: (typeof COLUMN_KEYS)[number]) => COLUMNS.get(k)!.text(r);
    expect(text('price')).toBe('0.5234');
    expect(text('change')).toBe('-0.0312');
    expect(text('marketCap')).toBe('2.9T');
    expect(text('floatShares')).toBe('48.3M');
    expect(text('dollarVolume')).toBe('1.2M');
    expect(text('change5m')).toBe('+1.23%');
    expect(text('spreadPercent')).toBe('0.46%');
    expect(text('rangePosition')).toBe('63.3');
    expect(text('isEtf')).toBe('no');
    expect(text('filtersMatched')).toBe('liquid, priced');
    expect(text('vwap')).toBe(MISSING);
    expect(COLUMNS.get('change5m')!.tone!(r)).toBe('up');
    expect(COLUMNS.get('change')!.tone!(r)).toBe('down');
  });

  it('keep the canonical order whatever order they were chosen in', () => {
    expect(inColumnOrder(['score', 'marketCap', 'symbol', 'rank'])).toEqual([
      'rank',
      'symbol',
      'marketCap',
      'score',
    ]);
    expect(inColumnOrder(DEFAULT_COLUMNS)).toEqual(DEFAULT_COLUMNS);
  });
});
