import { ObservationRing, type LookbackColumns } from '../shared/scan/observations.js';

/**
 * Run in its own process (with --expose-gc) by observations.bench.ts: the memory the per-ticker observations
 * hold at `argv[2]` tickers, one event every `argv[3]` ms per ticker and a scan every second, in steady state
 * (sampled after a forced GC at each minute from minute 16 to 20, when the 15-minute look-back is full).
 * Prints one JSON line per structure.
 *
 * "before" is the structure market-state.ts used until the ring (commit cd3bfc7, copied verbatim below): two JS
 * arrays of (t, volume) per ticker, about five minutes of them for rvolSlot. "after" is ObservationRing: what
 * change1m/5m/15m, volume5m and rvolSlot need, exactly — up to 15 minutes of (t, volume, price).
 */
const tickers = Number(process.argv[2] ?? 15_000);
const everyMs = Number(process.argv[3] ?? 1000);
const MINUTES = 20;
const SAMPLE_FROM_MINUTE = 16;

const COMPACT_AFTER = 64;
class PreviousObservations {
  t: number[] = [];
  v: number[] = [];
  head = 0;

  record(t: number, v: number): void {
    this.t.push(t);
    this.v.push(v);
  }

  volumeAtOrBefore(cutoff: number): number {
    const { t } = this;
    while (this.head + 1 < t.length && t[this.head + 1]! <= cutoff) this.head++;
    if (this.head > COMPACT_AFTER && this.head * 2 > t.length) {
      this.t = t.slice(this.head);
      this.v = this.v.slice(this.head);
      this.head = 0;
    }
    return this.t.length > this.head && this.t[this.head]! <= cutoff ? this.v[this.head]! : NaN;
  }
}

interface Variant {
  readonly name: string;
  make(): unknown;
  record(o: unknown, t: number, v: number, p: number): void;
  scan(o: unknown, ms: number, row: number): void;
}

const f64 = () => new Float64Array(tickers);
const out: LookbackColumns = {
  volumeAgo: f64(),
  volumeAgo5m: f64(),
  priceAgo1m: f64(),
  priceAgo5m: f64(),
  priceAgo15m: f64(),
};

const variants: Variant[] = [
  {
    name: 'before: arrays of (t, volume), 5 min',
    make: () => new PreviousObservations(),
    record: (o, t, v) => (o as PreviousObservations).record(t, v),
    scan: (o, ms, row) => (out.volumeAgo[row] = (o as PreviousObservations).volumeAtOrBefore(ms - 300_000)),
  },
  {
    name: 'after: ObservationRing (t, volume, price), 15 min',
    make: () => new ObservationRing(),
    record: (o, t, v, p) => (o as ObservationRing).record(t, v, p),
    scan: (o, ms, row) => (o as ObservationRing).fill(ms, out, row),
  },
];

function heapBytes(): number {
  global.gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const start = Date.UTC(2026, 2, 2, 15, 0, 0);

/** One structure's figures; its per-ticker objects are garbage once this returns. */
function measureVariant(variant: Variant): Record<string, number | string> {
  const base = heapBytes();
  const structures = Array.from({ length: tickers }, () => variant.make());
  const samples: number[] = [];
  const t0 = performance.now();
  for (let s = 0; s < MINUTES * 60; s++) {
    const now = start + s * 1000;
    for (let i = 0; i < tickers; i++) {
      // Each ticker's events at its own phase inside the period, so cutoffs fall between observations.
      const phase = (i * 7919) % everyMs;
      const t = start + Math.floor((s * 1000 - phase) / everyMs) * everyMs + phase;
      if (t > now - 1000 && t <= now)
        variant.record(structures[i], t, s * 100 + i, 10 + ((s + i) % 50) / 100);
    }
    for (let i = 0; i < tickers; i++) variant.scan(structures[i], now, i);
    if ((s + 1) % 60 === 0 && (s + 1) / 60 >= SAMPLE_FROM_MINUTE) samples.push(heapBytes() - base);
  }
  const seconds = (performance.now() - t0) / 1000;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    structure: variant.name,
    tickers,
    'event every ms': everyMs,
    'bytes/ticker mean': Math.round(mean / tickers),
    'bytes/ticker max': Math.round(Math.max(...samples) / tickers),
    'MB total mean': +(mean / 2 ** 20).toFixed(1),
    'record+scan s': +seconds.toFixed(2),
  };
}

for (const variant of variants) console.log(JSON.stringify(measureVariant(variant)));
