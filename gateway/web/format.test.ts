import { describe, expect, it } from 'vitest';
import { scanRow } from '../../test/utils/scan-row.js';
import {
  formatAge,
  formatClock,
  freshnessAge,
  formatPercent,
  formatPrice,
  formatRatio,
  formatVolume,
  gapPercent,
  listTitle,
  MISSING,
  sourceTitle,
  rvolNote,
  rvolPending,
  rvolText,
  symbolNote,
} from './format.js';

describe('web page formatting', () => {
  it('shows prices to the cent, to 1/100 of a cent under $1, with thousands separators', () => {
    expect([12.5, 1, 0.99, 0.5234, 0.00012, 1234.567, null].map(formatPrice)).toEqual([
      '12.50',
      '1.00',
      '0.9900',
      '0.5234',
      '0.0001',
      '1,234.57',
      MISSING,
    ]);
  });

  it('signs percentages and never shows -0.00%', () => {
    expect([5.234, -3.1, 0, -0.001, 0.004, null].map(formatPercent)).toEqual([
      '+5.23%',
      '-3.10%',
      '0.00%',
      '0.00%',
      '0.00%',
      MISSING,
    ]);
  });

  it('abbreviates volumes without ever printing 1000.0K', () => {
    expect(
      [950, 999.4, 999.6, 12_345, 999_949, 999_950, 1_234_567, 4_250_000_000, null].map(formatVolume),
    ).toEqual(['950', '999', '1.0K', '12.3K', '999.9K', '1.0M', '1.2M', '4.3B', MISSING]);
  });

  it('shows ratios with fewer decimals as they grow', () => {
    expect([3.456, 9.994, 9.996, 12.34, 145.6, null].map(formatRatio)).toEqual([
      '3.46',
      '9.99',
      '10.0',
      '12.3',
      '146',
      MISSING,
    ]);
  });

  it('takes the gap that matters in each session', () => {
    const r = scanRow('X', 1, { gapPremarket: 1, gapAtOpen: 2, gapPostmarket: 3 });
    expect(gapPercent({ ...r, session: 'PRE_MARKET' })).toBe(1);
    expect(gapPercent({ ...r, session: 'MARKET_OPEN' })).toBe(2);
    expect(gapPercent({ ...r, session: 'POST_MARKET' })).toBe(3);
  });

  it('shows the time in New York and the age of the data', () => {
    expect(formatClock('2026-03-02T14:45:01.123Z')).toBe('09:45:01 ET'); // EST
    expect(formatClock('2026-07-01T13:30:00Z')).toBe('09:30:00 ET'); // EDT
    expect(formatClock('nope')).toBe(MISSING);
    expect([4_400, 125_000, 3 * 3600_000, 50 * 3600_000].map(formatAge)).toEqual([
      '4s ago',
      '2m ago',
      '3h ago',
      '2d ago',
    ]);
  });

  it('says the lists are live only when they are, and how old they are otherwise', () => {
    expect(sourceTitle('live')).toBe('Live');
    for (const s of ['stale', 'closed', 'down'] as const) expect(sourceTitle(s)).not.toMatch(/live/i);
    expect(freshnessAge('live', 4_200)).toBe('(4s ago)');
    expect(freshnessAge('closed', 3 * 3_600_000)).toBe('(data 3h old)');
    expect(freshnessAge('down', null)).toBe('');
  });

  it('says why RVOL is missing (warming, no slot) instead of a bare dash, and marks it pending (SPEC §12)', () => {
    const warming = scanRow('W', 1, { rvol: null, rvolState: 'warming' });
    const noSlot = scanRow('N', 1, { rvol: null, rvolState: 'no_slot' });
    const ok = scanRow('K', 1, { rvol: 2.5, rvolState: 'ok' });
    const okNull = scanRow('Z', 1, { rvol: null, rvolState: 'ok' });
    expect([warming, noSlot, ok, okNull].map(rvolText)).toEqual(['warming', 'no slot', '2.50', MISSING]);
    expect([warming, noSlot, ok, okNull].map(rvolPending)).toEqual([true, true, false, false]);
    expect(rvolNote(warming)).toContain('volume history');
    expect(rvolNote(noSlot)).toContain('04:00–20:00 ET');
    expect(rvolNote(ok)).toBe('');
  });

  it('names the company on the symbol, or says that the ticker has no reference data', () => {
    const withMeta = scanRow('A', 1, { companyName: 'A Inc.', sector: 'Tech', exchange: null });
    expect(symbolNote(withMeta)).toBe('A Inc. · Tech');
    expect(symbolNote({ ...withMeta, hasMetadata: false, companyName: null, sector: null })).toContain(
      'No reference data',
    );
  });

  it('names any panel list: a built-in list by its title, a scan by its id', () => {
    expect(listTitle('anomalies')).toBe('Volume anomalies');
    expect(listTitle('scan:mine')).toBe('Scan mine');
    expect(listTitle('alerts')).toBe('alerts');
  });

  it('abbreviates the largest market caps in trillions', () => {
    expect([999_949_000_000, 2_900_000_000_000].map(formatVolume)).toEqual(['999.9B', '2.9T']);
  });
});
