import { describe, expect, it } from 'vitest';
import { engine, historyDays, metadata, ny, scanOne, snapshotRow } from '../../test/utils/market.js';
import type { ScanSettings } from './settings.js';

/** 1,000 shares per slot on two history days: the baseline at 04:05 is exactly 1,000. */
const HISTORY = historyDays('ABC', ['2026-02-26', '2026-02-27'], (slot) => 1000 * (slot + 1));

/** The row of ABC at 04:05 with 2,000 shares traded: rvol 2 with history, volumeRatio 0.5 with metadata. */
function scored(o: { history?: boolean; metadata?: boolean; settings?: Partial<ScanSettings> }) {
  const e = engine({
    history: o.history === false ? [] : HISTORY,
    metadata: o.metadata === false ? [] : [metadata('ABC', { avgVolume30d: 4000 })],
    settings: o.settings ?? {},
  });
  return scanOne(e, ny('04:05'), [snapshotRow('ABC', { price: 10, volume: 2000 })]).row!;
}

describe('score (SPEC §5: SCORE_RVOL_WEIGHT × (rvol ?? 0) + SCORE_VOLUME_RATIO_WEIGHT × (volumeRatio ?? 0))', () => {
  it('is 10 × rvol + 5 × volumeRatio with the default weights', () => {
    const row = scored({});
    expect(row).toMatchObject({ rvol: 2, volumeRatio: 0.5 });
    expect(row.score).toBe(10 * 2 + 5 * 0.5);
  });

  it('counts a null rvol as 0', () => {
    const row = scored({ history: false });
    expect(row).toMatchObject({ rvol: null, volumeRatio: 0.5 });
    expect(row.score).toBe(5 * 0.5);
  });

  it('counts a null volumeRatio as 0', () => {
    const row = scored({ metadata: false });
    expect(row).toMatchObject({ rvol: 2, volumeRatio: null });
    expect(row.score).toBe(10 * 2);
  });

  it('is 0, not null, when both are null', () => {
    expect(scored({ history: false, metadata: false }).score).toBe(0);
  });

  it('uses the configured weights', () => {
    const row = scored({ settings: { rvolWeight: 1, volumeRatioWeight: 100 } });
    expect(row.score).toBe(1 * 2 + 100 * 0.5);
  });

  it('ranks by the weighted sum: a high volumeRatio outranks a higher rvol', () => {
    const e = engine({
      history: [...HISTORY, ...historyDays('XYZ', ['2026-02-27'], (slot) => 1000 * (slot + 1))],
      metadata: [metadata('ABC', { avgVolume30d: 4000 }), metadata('XYZ', { avgVolume30d: 250 })],
    });
    // ABC: 10 × 2 + 5 × 0.5 = 22.5; XYZ: 10 × 1 + 5 × 4 = 30.
    const { outcome } = scanOne(e, ny('04:05'), [
      snapshotRow('ABC', { price: 10, volume: 2000 }),
      snapshotRow('XYZ', { price: 10, volume: 1000 }),
    ]);
    expect(outcome.ranked.map((r) => [r.symbol, r.score])).toEqual([
      ['XYZ', 30],
      ['ABC', 22.5],
    ]);
  });
});
