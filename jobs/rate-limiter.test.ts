import { describe, expect, it, vi } from 'vitest';
import { FREE_PLAN_RATE, TokenBucket } from './rate-limiter.js';

describe('TokenBucket', () => {
  it('lets a burst through at once, then spaces the requests at the sustained rate', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const bucket = new TokenBucket({ perSecond: 50, burst: 2 });
      const started = performance.now();
      const times: number[] = [];
      for (let i = 0; i < 7; i++) void bucket.take().then(() => times.push(performance.now() - started));
      await vi.advanceTimersByTimeAsync(1000);
      // The burst of 2 at once, then one every 20 ms.
      expect(times.map(Math.round)).toEqual([0, 0, 20, 40, 60, 80, 100]);
      expect(bucket.taken).toBe(7);
    } finally {
      vi.useRealTimers();
    }
  });

  it('paces the free plan at one request every 12 s, so no minute ever sees more than 5', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const bucket = new TokenBucket(FREE_PLAN_RATE);
      const granted: number[] = [];
      const started = performance.now();
      for (let i = 0; i < 8; i++) void bucket.take().then(() => granted.push(performance.now() - started));
      await vi.advanceTimersByTimeAsync(60_000);
      // 0, 12, 24, 36, 48 s: five in the first minute, the sixth exactly at 60 s.
      expect(granted.map((ms) => Math.round(ms / 1000))).toEqual([0, 12, 24, 36, 48, 60]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects a waiting request when its signal aborts, without consuming a token', async () => {
    const bucket = new TokenBucket({ perSecond: 1, burst: 1 });
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(bucket.taken).toBe(1);
  });
});
