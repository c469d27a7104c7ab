import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engine, historyDays, metadata, ny, scanOne, snapshotRow } from '../../test/utils/market.js';
import type { ScanRow } from '../protocol/messages.js';
import { changedFields } from './deltas.js';
import { changedRowFields } from './rows.js';

/** Three trading days before 2026-03-02 (a Monday). */
const PRIOR = ['2026-02-25', '2026-02-26', '2026-02-27'];
const curve = (slot: number) => 1000 * (slot + 1);

describe('row states: data that is not ready is said to be not ready (SPEC §12)', () => {
  const rvolStateAt = (time: string, date?: string, o: Parameters<typeof engine>[0] = {}) => {
    const e = engine({ history: historyDays('A', PRIOR, curve), ...o });
    return scanOne(e, ny(time, date), [snapshotRow('A', { price: 10, prevClose: 9, volume: 5000 })]).row!;
  };

  it('says no_slot before 04:00, from 20:00 and all of a non-trading day, ok in between', () => {
    expect(rvolStateAt('03:59:59')).toMatchObject({ rvolState: 'no_slot', rvol: null });
    expect(rvolStateAt('04:00')).toMatchObject({ rvolState: 'ok' });
    expect(rvolStateAt('19:59:59').rvolState).toBe('ok');
    expect(rvolStateAt('20:00')).toMatchObject({ rvolState: 'no_slot', rvol: null });
    expect(rvolStateAt('10:00', '2026-03-07')).toMatchObject({ rvolState: 'no_slot', rvol: null }); // Saturday
    expect(rvolStateAt('10:00', '2026-04-03')).toMatchObject({ rvolState: 'no_slot', rvol: null }); // Good Friday
  });

  it('says warming while the ticker has fewer than RVOL_MIN_DAYS history days, ok from that many', () => {
    const e = engine({
      history: [
        ...historyDays('TWO', PRIOR.slice(1), curve),
        ...historyDays('THREE', PRIOR, curve),
        // A day from today does not count: the lookback is strictly before today.
        ...historyDays('TWO', ['2026-03-02'], curve),
      ],
      settings: { minHistoryDays: 3 },
    });
    const { outcome } = scanOne(e, ny('10:00'), [
      snapshotRow('NONE', { price: 10, volume: 5000 }),
      snapshotRow('TWO', { price: 10, volume: 5000 }),
      snapshotRow('THREE', { price: 10, volume: 5000 }),
    ]);
    const state = Object.fromEntries(outcome.ranked.map((r) => [r.symbol, [r.rvolState, r.rvol !== null]]));
    expect(state).toEqual({ NONE: ['warming', false], TWO: ['warming', false], THREE: ['ok', true] });
  });

  it('says hasMetadata false for a ticker without a metadata row, true with one, in ranked and list rows', () => {
    const e = engine({ metadata: [metadata('META', { companyName: null, sector: null })] });
    const { outcome } = scanOne(e, ny('10:00'), [
      snapshotRow('META', { price: 11, prevClose: 10, volume: 5000 }),
      snapshotRow('BARE', { price: 11, prevClose: 10, volume: 5000 }),
    ]);
    // META's metadata row has null fields: still a row, so hasMetadata is true.
    const has = (rows: readonly { symbol: string; hasMetadata: boolean }[]) =>
      Object.fromEntries(rows.map((r) => [r.symbol, r.hasMetadata]));
    expect(has(outcome.ranked)).toEqual({ META: true, BARE: false });
    expect(has(outcome.lists.gappers_up)).toEqual({ META: true, BARE: false });
  });
});

describe('update fields of built rows (SPEC §6)', () => {
  /** Another value of the same kind, so that the field differs. */
  const other = (v: unknown): unknown =>
    typeof v === 'number'
      ? v + 1
      : typeof v === 'string'
        ? `${v}x`
        : typeof v === 'boolean'
          ? !v
          : Array.isArray(v)
            ? [...(v as string[]), 'other']
            : 0;

  it('gives exactly changedFields, in the same key order, for any set of changed fields (property)', () => {
    const e = engine({ metadata: [metadata('META')] });
    const { outcome } = scanOne(e, ny('10:00'), [
      snapshotRow('META', { price: 11, prevClose: 10, volume: 5000 }),
    ]);
    const row = outcome.ranked[0]!;
    const keys = Object.keys(row).filter((k) => k !== 'symbol' && k !== 'rank') as (keyof ScanRow)[];
    fc.assert(
      fc.property(fc.subarray(keys), fc.boolean(), (changed, ownArray) => {
        const sent = { ...row } as Record<string, unknown>;
        for (const k of changed) sent[k] = other(row[k]);
        // A row restored from Redis holds an equal array of its own: not a change.
        if (ownArray && !changed.includes('filtersMatched')) sent.filtersMatched = [...row.filtersMatched];
        const fast = changedRowFields(sent as ScanRow, row);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(changedFields(sent as ScanRow, row)));
        expect(Object.keys(fast)).toEqual(keys.filter((k) => changed.includes(k)));
      }),
    );
  });
});
