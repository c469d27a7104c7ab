import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './fanout-stats.js';

describe('the fan-out latency histogram', () => {
  it('reports percentiles within a bucket of the exact ones, fine below a second and coarse above', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) h.add(i * 0.5); // 0.5 … 50 ms
    // A percentile is its bucket's upper edge: at most 0.1 ms above the exact value below a second.
    expect(h.percentile(50)! - 25).toBeGreaterThanOrEqual(0);
    expect(h.percentile(50)! - 25).toBeLessThanOrEqual(0.1 + 1e-9);
    expect(h.percentile(99)! - 49.5).toBeGreaterThanOrEqual(0);
    expect(h.percentile(99)! - 49.5).toBeLessThanOrEqual(0.1 + 1e-9);
    expect(h.percentile(100)).toBe(50);
    for (let i = 0; i < 100; i++) h.add(4321);
    expect(h.percentile(75)).toBe(4321); // 10 ms buckets above 1 s; capped at the largest sample
    expect(h.percentile(50)! - 50).toBeLessThanOrEqual(0.1 + 1e-9);
    expect(h.max).toBe(4321);
  });

  it('adds up histograms from several load generators exactly', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 90; i++) a.add(1);
    for (let i = 0; i < 10; i++) b.add(200);
    const all = new LatencyHistogram();
    all.merge(a.counts(), a.max);
    all.merge(b.counts(), b.max);
    expect(all.total).toBe(100);
    expect(all.percentile(90)).toBeCloseTo(1.1, 5);
    expect(all.percentile(91)).toBeCloseTo(200, 5);
  });

  it('has no percentile before any sample', () => {
    expect(new LatencyHistogram().percentile(50)).toBeUndefined();
  });
});
