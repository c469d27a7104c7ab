/**
 * Seeded randomness for the simulator, in two flavours:
 *
 * - **Counter-based** draws (`drawKey` + `draw`): a hash of (key, counter), no state. The market at minute m
 *   is a function of the hashes of (seed, ticker, day, m), so it is the same however often — and in whatever
 *   order — it is sampled. This is what keeps the simulator deterministic under lazy evaluation.
 * - **Sequential** streams (`stream`): mulberry32 seeded by a label, for one-off generation (the universe, the
 *   day's stories) where a loop draws many numbers in a fixed order.
 *
 * Both are pure 32-bit integer arithmetic, identical on every platform.
 */

/** A uniform [0, 1) generator. */
export type Rng = () => number;

const TWO_POW_32 = 4294967296;
/** 2^32 / φ: consecutive counters land far apart before mixing. */
const GOLDEN = 0x9e3779b9;

/** murmur3's 32-bit finaliser: full avalanche in five operations. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines integers into one key, order-sensitively (seed, ticker, day … → key). */
export function drawKey(...parts: readonly number[]): number {
  let h = 0x6a09e667;
  for (const p of parts) h = mix32(h ^ mix32(Math.imul(p | 0, GOLDEN) ^ Math.floor(p / TWO_POW_32)));
  return h;
}

/** The 32-bit hash of draw number `counter` under `key`. */
export function draw(key: number, counter: number): number {
  return mix32(key ^ mix32(Math.imul(counter, GOLDEN) + 0x7f4a7c15));
}

/** Uniform [0, 1) of draw `counter` under `key`. */
export function uniformAt(key: number, counter: number): number {
  return draw(key, counter) / TWO_POW_32;
}

/** Standard normal of draw `counter` under `key` (table lookup: no log/sqrt on the hot path). */
export function normalAt(key: number, counter: number): number {
  return NORMAL_TABLE[draw(key, counter) >>> NORMAL_SHIFT]!;
}

/** A uniform hash to a standard normal, for callers that already hold a hash. */
export function normalOfHash(h: number): number {
  return NORMAL_TABLE[h >>> NORMAL_SHIFT]!;
}

/**
 * exp(σ·Z − σ²/2) of a hash's normal, for a fixed σ: mean-preserving log-normal noise without an `exp` per
 * draw (the minute-volume noise runs a million times per simulated day of a large universe).
 */
export function logNormalTable(sigma: number): (h: number) => number {
  const table = NORMAL_TABLE.map((z) => Math.exp(sigma * z - (sigma * sigma) / 2));
  return (h) => table[h >>> NORMAL_SHIFT]!;
}

/** [shift, width]: a field of bits in a 32-bit hash. */
export type BitField = readonly [shift: number, width: number];

/** The unsigned integer in `field` of hash `h` (one hash can feed several independent small draws). */
export function bitsOf(h: number, [shift, width]: BitField): number {
  return (h >>> shift) & ((1 << width) - 1);
}

/** Uniform [0, 1) of a hash. */
export function uniformOfHash(h: number): number {
  return h / TWO_POW_32;
}

/** FNV-1a of a string, to turn a label into a key. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny, fast sequential PRNG. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
}

/** One independent sequential stream per (seed, label). */
export function stream(seed: number, label: string): Rng {
  return mulberry32(mix32(hashString(label) ^ mix32(seed)));
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

export function intBetween(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Standard normal from a sequential stream. */
export function normal(rng: Rng): number {
  return NORMAL_TABLE[Math.floor(rng() * NORMAL_TABLE_SIZE)]!;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** Picks an item with probability proportional to its weight. */
export function pickWeighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let r = rng() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

// ---------------------------------------------------------------------------------------------------------
// Normal table
// ---------------------------------------------------------------------------------------------------------

/**
 * 65 536 quantiles of the standard normal at the bin midpoints: a 16-bit hash indexes it. Tails stop at
 * ±4.3 σ, which no simulated story depends on, and a lookup is ~10× cheaper than Box–Muller.
 */
const NORMAL_BITS = 16;
const NORMAL_TABLE_SIZE = 1 << NORMAL_BITS;
const NORMAL_SHIFT = 32 - NORMAL_BITS;
const NORMAL_TABLE = buildNormalTable();

function buildNormalTable(): Float64Array {
  const t = new Float64Array(NORMAL_TABLE_SIZE);
  for (let k = 0; k < NORMAL_TABLE_SIZE; k++) t[k] = inverseNormalCdf((k + 0.5) / NORMAL_TABLE_SIZE);
  return t;
}

/** Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9). */
function inverseNormalCdf(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}
