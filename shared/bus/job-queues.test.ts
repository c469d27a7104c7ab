import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_MAX_DELAY_MS,
  RETRIED_JOB_OPTIONS,
  RETRY_FIRST_DELAY_MS,
  retryDelayMs,
} from './job-queues.js';

describe('the retry policy of contract jobs', () => {
  const noJitter = () => 0;

  it('doubles the delay from the first one up to the cap, then stays at the cap however many attempts', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 10_000, noJitter));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryDelayMs(1, undefined, noJitter)).toBe(RETRY_FIRST_DELAY_MS);
    // Far past any exponent a double can hold: still the cap, a finite number.
    expect(retryDelayMs(5000, DEFAULT_RETRY_MAX_DELAY_MS, noJitter)).toBe(DEFAULT_RETRY_MAX_DELAY_MS);
  });

  it('takes up to a fifth off at random, never below 1 ms', () => {
    expect(retryDelayMs(20, 30_000, () => 0.999_999)).toBe(24_000);
    expect(retryDelayMs(20, 30_000, () => 0.5)).toBe(27_000);
    expect(retryDelayMs(1, 1, () => 0.999)).toBe(1);
  });

  it('never gives up: attempts without end, and a bounded stack trace per job', () => {
    // BullMQ retries while attemptsMade + 1 < attempts; the value must survive JSON (Infinity would not).
    const stored = JSON.parse(JSON.stringify(RETRIED_JOB_OPTIONS)) as { attempts: number };
    expect(stored.attempts).toBe(Number.MAX_SAFE_INTEGER);
    expect(RETRIED_JOB_OPTIONS.stackTraceLimit).toBeGreaterThan(0);
  });
});
