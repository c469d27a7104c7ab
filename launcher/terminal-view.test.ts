import { describe, expect, it } from 'vitest';
import type { BootstrapStatus, BootstrapStatusRead } from '../shared/bus/bootstrap-status.js';
import { BootstrapLine, describeBootstrap } from './terminal-view.js';

const running = (s: Partial<BootstrapStatus> = {}): BootstrapStatusRead => ({
  ok: true,
  status: {
    state: 'running',
    phase: 'history',
    step: 'backfill',
    reason: 'no ticker metadata stored',
    done: 3412,
    total: 12_000,
    errors: 0,
    ratePerSec: 45.1,
    etaSec: 190,
    requests: 0,
    startedAt: '2026-03-11T14:00:00.000Z',
    updatedAt: '2026-03-11T14:08:00.000Z',
    finishedAt: null,
    lastError: null,
    ...s,
  },
});

describe("npm start's bootstrap line", () => {
  it('draws a progress bar on a TTY and the same figures without it elsewhere', () => {
    expect(describeBootstrap(running(), true)).toBe(
      'warming up: history [███████░░░░░░░░░░░░░░░░░] 3,412/12,000 tickers 28.4 % · 45.1/s · ETA 3m10s',
    );
    expect(describeBootstrap(running({ errors: 2 }), false)).toBe(
      'warming up: history 3,412/12,000 tickers 28.4 % · 45.1/s · ETA 3m10s · 2 errors',
    );
    expect(describeBootstrap(running({ phase: 'metadata', step: 'list', total: 0, done: 0 }), true)).toBe(
      'warming up: reference data (list) …',
    );
  });

  it('says when it failed or is done, and nothing when there is no bootstrap', () => {
    expect(describeBootstrap(running({ state: 'failed', lastError: 'API key refused' }), true)).toBe(
      'bootstrap failed: API key refused',
    );
    expect(describeBootstrap(running({ state: 'done', reason: 'history: 40 tickers' }), true)).toBe(
      'bootstrap done: history: 40 tickers',
    );
    expect(describeBootstrap({ ok: false, reason: 'absent' }, true)).toBeUndefined();
  });

  it('prints plain lines on a change of step and at most every 10 s in between', () => {
    const line = new BootstrapLine(false);
    expect(line.next(running({ done: 1 }), 0)).toContain('1/12,000');
    expect(line.next(running({ done: 2 }), 5_000)).toBeUndefined();
    expect(line.next(running({ done: 3 }), 10_000)).toContain('3/12,000');
    expect(line.next(running({ phase: 'history', step: 'other', done: 4 }), 11_000)).toContain('4/12,000');
    expect(line.next(running({ state: 'done', reason: 'all stored' }), 12_000)).toBe(
      'bootstrap done: all stored',
    );
    expect(line.next(running({ state: 'done', reason: 'all stored' }), 60_000)).toBeUndefined();
  });
});
