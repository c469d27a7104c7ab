import { describe, expect, it } from 'vitest';
import { isNewHigh, isNewLow, isRunningDown, isRunningUp, isVolumeSpike, offCooldown } from './detect.js';

describe('the alert rules (SPEC §14)', () => {
  it('new_high fires only above the previous high, only while the market is open', () => {
    expect(isNewHigh('MARKET_OPEN', 10.51, 10.5)).toBe(true);
    expect(isNewHigh('MARKET_OPEN', 10.5, 10.5)).toBe(false);
    expect(isNewHigh('MARKET_OPEN', 10.49, 10.5)).toBe(false);
    expect(isNewHigh('PRE_MARKET', 10.51, 10.5)).toBe(false);
    expect(isNewHigh('POST_MARKET', 10.51, 10.5)).toBe(false);
    expect(isNewHigh('MARKET_OPEN', 10.51, NaN)).toBe(false);
  });

  it('new_low fires only below the previous low, only while the market is open', () => {
    expect(isNewLow('MARKET_OPEN', 9.49, 9.5)).toBe(true);
    expect(isNewLow('MARKET_OPEN', 9.5, 9.5)).toBe(false);
    expect(isNewLow('MARKET_OPEN', 9.51, 9.5)).toBe(false);
    expect(isNewLow('PRE_MARKET', 9.49, 9.5)).toBe(false);
    expect(isNewLow('MARKET_OPEN', 9.49, NaN)).toBe(false);
  });

  it('running_up fires at, and just above, +RUN_PCT and not just below it', () => {
    expect(isRunningUp(1.5, 1.5)).toBe(true);
    expect(isRunningUp(1.5001, 1.5)).toBe(true);
    expect(isRunningUp(1.4999, 1.5)).toBe(false);
    expect(isRunningUp(NaN, 1.5)).toBe(false);
    expect(isRunningUp(-3, 1.5)).toBe(false);
  });

  it('running_down fires at, and just beyond, −RUN_PCT and not just short of it', () => {
    expect(isRunningDown(-1.5, 1.5)).toBe(true);
    expect(isRunningDown(-1.5001, 1.5)).toBe(true);
    expect(isRunningDown(-1.4999, 1.5)).toBe(false);
    expect(isRunningDown(NaN, 1.5)).toBe(false);
    expect(isRunningDown(3, 1.5)).toBe(false);
  });

  it('volume_spike fires when rvolSlot reaches the threshold from below or from null, not while it stays above', () => {
    expect(isVolumeSpike(5, 4.9, 5)).toBe(true);
    expect(isVolumeSpike(5.0001, 4.9, 5)).toBe(true);
    expect(isVolumeSpike(4.9999, 4.9, 5)).toBe(false);
    expect(isVolumeSpike(5, NaN, 5)).toBe(true);
    expect(isVolumeSpike(7, 5, 5)).toBe(false);
    expect(isVolumeSpike(NaN, 1, 5)).toBe(false);
  });

  it('a cooldown lets an alert fire again once t − last ≥ cooldown, not a millisecond earlier', () => {
    expect(offCooldown(undefined, 1_000, 60_000)).toBe(true);
    expect(offCooldown(1_000, 61_000, 60_000)).toBe(true);
    expect(offCooldown(1_000, 60_999, 60_000)).toBe(false);
    expect(offCooldown(1_000, 1_000, 0)).toBe(true);
  });
});
