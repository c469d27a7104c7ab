import { describe, expect, it } from 'vitest';
import { sparkline } from './sparkline.js';

describe('the intraday sparkline', () => {
  it('spans the box: time left to right on a real scale, the low at the bottom and the high at the top', () => {
    const s = sparkline(
      [
        { t: 0, price: 10 },
        { t: 60_000, price: 12 },
        { t: 240_000, price: 11 },
      ],
      100,
      40,
    )!;
    expect(s.path).toBe('M0 38 L25 2 L100 20');
    expect(s).toMatchObject({ low: 10, high: 12, first: 10, last: 11 });
  });

  it('draws a flat day at mid-height, and nothing for one point or none', () => {
    expect(
      sparkline(
        [
          { t: 0, price: 5 },
          { t: 1, price: 5 },
        ],
        10,
        20,
      )!.path,
    ).toBe('M0 10 L10 10');
    expect(sparkline([{ t: 0, price: 5 }], 10, 20)!.path).toBe('');
    expect(sparkline([], 10, 20)).toBeNull();
  });
});
