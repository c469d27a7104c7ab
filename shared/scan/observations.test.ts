import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIFTEEN_MINUTES_MS,
  FIVE_MINUTES_MS,
  ObservationRing,
  ONE_MINUTE_MS,
  type LookbackColumns,
} from './observations.js';

type Observation = readonly [t: number, volume: number, price: number];
type Step =
  { readonly kind: 'observe'; readonly obs: Observation } | { readonly kind: 'scan'; readonly ms: number };

function columns(): LookbackColumns {
  const f = () => new Float64Array(1);
  return { volumeAgo: f(), volumeAgo5m: f(), priceAgo1m: f(), priceAgo5m: f(), priceAgo15m: f() };
}

const read = (c: LookbackColumns) => ({
  volumeAgo: c.volumeAgo[0],
  volumeAgo5m: c.volumeAgo5m[0],
  priceAgo1m: c.priceAgo1m[0],
  priceAgo5m: c.priceAgo5m[0],
  priceAgo15m: c.priceAgo15m[0],
});

/** SPEC §3 read literally over every observation ever recorded: the reference the ring must equal. */
function reference(all: readonly Observation[], ms: number) {
  const latest = (cutoff: number) => {
    let found: Observation | undefined;
    // "Latest": the last recorded among those at or before the cutoff (the later of two at one instant).
    for (const o of all) if (o[0] <= cutoff) found = o;
    return found;
  };
  const within = (k: number, field: 1 | 2) => {
    const o = latest(ms - k);
    return o !== undefined && o[0] >= ms - 2 * k ? o[field] : NaN;
  };
  return {
    volumeAgo: latest(ms - FIVE_MINUTES_MS)?.[1] ?? NaN,
    volumeAgo5m: within(FIVE_MINUTES_MS, 1),
    priceAgo1m: within(ONE_MINUTE_MS, 2),
    priceAgo5m: within(FIVE_MINUTES_MS, 2),
    priceAgo15m: within(FIFTEEN_MINUTES_MS, 2),
  };
}

describe('ObservationRing (the look-backs of SPEC §3)', () => {
  it('answers exactly like the literal rule over the whole history, for any events and scan instants', () => {
    // Steps in ms, from bursts at one instant to gaps longer than the 30-minute horizon, with the k and 2k
    // edges (and 1 ms either side) often enough that scans land exactly on them.
    const edges = [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000].flatMap((k) => [k - 1, k, k + 1]);
    const gap = fc.oneof(
      fc.constant(0),
      fc.constantFrom(...edges),
      fc.integer({ min: 1, max: 1_500 }),
      fc.integer({ min: 1, max: 130_000 }),
      fc.integer({ min: 1, max: 2_000_000 }),
    );
    const step = fc.record({
      scan: fc.boolean(),
      gap,
      volume: fc.oneof(fc.constant(NaN), fc.integer({ min: 0, max: 1e9 })),
      price: fc.oneof(
        fc.constant(NaN),
        fc.integer({ min: 1, max: 1e6 }).map((c) => c / 100),
      ),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), (raw) => {
        let t = 1_000_000_000;
        const steps = raw.map((s): Step => {
          t += s.gap;
          return s.scan ? { kind: 'scan', ms: t } : { kind: 'observe', obs: [t, s.volume, s.price] };
        });
        const ring = new ObservationRing();
        const out = columns();
        const all: Observation[] = [];
        for (const s of steps) {
          if (s.kind === 'observe') {
            ring.record(...s.obs);
            all.push(s.obs);
          } else {
            ring.fill(s.ms, out, 0);
            expect(read(out)).toEqual(reference(all, s.ms));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('stops answering the instant an answer gets older than t − 2k, with no event in between', () => {
    const ring = new ObservationRing();
    const out = columns();
    ring.record(1_000_000, 500, 10);
    const at = (ms: number) => {
      ring.fill(ms, out, 0);
      return read(out);
    };
    expect(at(1_000_000 + ONE_MINUTE_MS)).toMatchObject({ priceAgo1m: 10 });
    expect(at(1_000_000 + 2 * ONE_MINUTE_MS)).toMatchObject({ priceAgo1m: 10 });
    expect(at(1_000_000 + 2 * ONE_MINUTE_MS + 1)).toMatchObject({ priceAgo1m: NaN });
    expect(at(1_000_000 + 2 * FIVE_MINUTES_MS)).toMatchObject({ priceAgo5m: 10, volumeAgo5m: 500 });
    expect(at(1_000_000 + 2 * FIVE_MINUTES_MS + 1)).toMatchObject({ priceAgo5m: NaN, volumeAgo5m: NaN });
    expect(at(1_000_000 + 2 * FIFTEEN_MINUTES_MS)).toMatchObject({ priceAgo15m: 10, volumeAgo: 500 });
    expect(at(1_000_000 + 2 * FIFTEEN_MINUTES_MS + 1)).toMatchObject({ priceAgo15m: NaN, volumeAgo: 500 });
  });

  it('holds a bounded buffer at one observation a second and gives it back when the events stop', () => {
    const ring = new ObservationRing();
    const out = columns();
    const start = 1_000_000_000;
    let maxBytes = 0;
    for (let s = 0; s < 3 * 3600; s++) {
      ring.record(start + s * 1000, s * 100, 10 + (s % 7) / 100);
      ring.fill(start + s * 1000, out, 0);
      maxBytes = Math.max(maxBytes, ring.bytes);
    }
    // 15 minutes at 1/s plus the answer: 901 held, in 944 slots of 24 bytes.
    expect(ring.size).toBe(901);
    expect(maxBytes).toBe(944 * 24);
    ring.fill(start + 3 * 3600 * 1000 + FIFTEEN_MINUTES_MS, out, 0);
    expect(ring.size).toBe(1);
    expect(ring.bytes).toBeLessThanOrEqual(8 * 24);
  });

  it('keeps the last values recorded at one instant: a burst of events costs one observation', () => {
    const ring = new ObservationRing();
    const out = columns();
    for (let k = 0; k < 1000; k++) ring.record(5_000_000, k, 1 + k / 100);
    expect(ring.size).toBe(1);
    ring.fill(5_000_000 + ONE_MINUTE_MS, out, 0);
    expect(read(out)).toMatchObject({ priceAgo1m: 1 + 999 / 100 });
  });

  it('forgets everything on clear (a new trading day)', () => {
    const ring = new ObservationRing();
    const out = columns();
    ring.record(1_000_000, 10, 10);
    ring.clear();
    ring.fill(1_000_000 + FIVE_MINUTES_MS, out, 0);
    expect(read(out)).toEqual({
      volumeAgo: NaN,
      volumeAgo5m: NaN,
      priceAgo1m: NaN,
      priceAgo5m: NaN,
      priceAgo15m: NaN,
    });
  });
});
