import { describe, expect, it } from 'vitest';
import { HotSet } from './hot-set.js';

describe('hot set (SPEC §7)', () => {
  it('subscribes a symbol as soon as it enters any list', () => {
    const h = new HotSet(60_000);
    expect(h.update(0, new Set(['B', 'A']))).toEqual({ subscribe: ['A', 'B'], unsubscribe: [] });
    expect(h.update(1000, new Set(['A', 'B']))).toEqual({ subscribe: [], unsubscribe: [] });
  });

  it('unsubscribes only after the symbol stayed out for the grace period', () => {
    const h = new HotSet(60_000);
    h.update(0, new Set(['A']));
    expect(h.update(1_000, new Set())).toEqual({ subscribe: [], unsubscribe: [] });
    expect(h.update(60_999, new Set())).toEqual({ subscribe: [], unsubscribe: [] });
    expect(h.update(61_000, new Set())).toEqual({ subscribe: [], unsubscribe: ['A'] });
    expect(h.symbols).toEqual([]);
  });

  it('restarts the grace period when a symbol comes back before it ends', () => {
    const h = new HotSet(60_000);
    h.update(0, new Set(['A']));
    h.update(1_000, new Set());
    h.update(30_000, new Set(['A']));
    h.update(31_000, new Set());
    expect(h.update(62_000, new Set())).toEqual({ subscribe: [], unsubscribe: [] });
    expect(h.update(91_000, new Set())).toEqual({ subscribe: [], unsubscribe: ['A'] });
  });
});
