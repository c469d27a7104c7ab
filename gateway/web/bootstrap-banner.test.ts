import { describe, expect, it } from 'vitest';
import { bootstrapBanner, formatEta } from './bootstrap-banner.js';

describe('the web page’s warm-up banner', () => {
  it('shows the running phase with its counts and ETA', () => {
    expect(
      bootstrapBanner({ state: 'running', phase: 'history', done: 3412, total: 12_000, etaSec: 250 }),
    ).toEqual({
      text: 'Warming up: history 3,412 / 12,000 tickers · ETA 4 min · RVOL and reference fields fill in as it goes',
      tone: 'info',
    });
    expect(
      bootstrapBanner({ state: 'running', phase: 'metadata', done: 0, total: 0, etaSec: null })?.text,
    ).toBe('Warming up: reference data · RVOL and reference fields fill in as it goes');
  });

  it('shows a failure with its error, and nothing when idle, done or absent', () => {
    expect(bootstrapBanner({ state: 'failed', lastError: 'the vendor refused the request' })).toEqual({
      text: 'Warm-up failed: the vendor refused the request',
      tone: 'error',
    });
    expect(bootstrapBanner({ state: 'done', done: 10, total: 10 })).toBeNull();
    expect(bootstrapBanner({ state: 'idle' })).toBeNull();
    expect(bootstrapBanner(undefined)).toBeNull();
    expect(bootstrapBanner('running')).toBeNull();
  });

  it('words an ETA in seconds, minutes, or hours and minutes', () => {
    expect(formatEta(42.4)).toBe('42 s');
    expect(formatEta(250)).toBe('4 min');
    expect(formatEta(7300)).toBe('2 h 2 min');
  });
});
