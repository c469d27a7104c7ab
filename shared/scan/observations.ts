/**
 * Per-ticker observations (t, volumeToday, price) and the look-back answers the scan needs from them (SPEC §3,
 * §3.1): for k = 1, 5 and 15 minutes, "the latest observation at or before t − k min", kept only when it is not
 * older than t − 2k min (change1m/5m/15m, volume5m), and for rvolSlot the latest at or before t − 300 s with no
 * age limit.
 *
 * Why not a bucketed ring (one slot per N seconds, the latest observation in each): it cannot give that answer
 * exactly. A scan's cutoff t − k can fall anywhere inside a bucket, and the latest observation at or before it may
 * be one the bucket overwrote; the next scan instant is not known when an observation is recorded, so no fixed
 * choice of kept observations is right for every cutoff. Any exact structure has to hold every observation of
 * the last 15 minutes (plus the one answering the 15-minute cutoff), so its size follows the ticker's event
 * rate over that window. What bounds it here:
 * - only what a future scan can still ask for is held: scans run at non-decreasing instants, so an observation
 *   followed by another at or before the 15-minute cutoff is never an answer again and is dropped at scan time;
 * - observations at one instant collapse into one (the last recorded wins, which is what "latest" means);
 * - the feed itself bounds the rate per ticker: one snapshot row per SNAPSHOT_INTERVAL_MS, at most one `A` bar a
 *   second for a hot ticker (SPEC §7), and the orchestrator folds queued bars when its queue grows;
 * - storage is one Float64Array of 24 bytes per observation that grows by a quarter when full and is cut back
 *   once half is unused, instead of JS arrays that kept dead entries until a compaction.
 * docs/performance.md has bytes per ticker before/after at 15,000 tickers and one event a second per ticker.
 */

/** The look-backs of SPEC §3, in ms. */
export const ONE_MINUTE_MS = 60_000;
export const FIVE_MINUTES_MS = 300_000;
export const FIFTEEN_MINUTES_MS = 900_000;

/** The per-row state columns the look-backs fill (NaN = null). */
export interface LookbackColumns {
  /** Volume at the latest observation at or before t − 300 s, any age (rvolSlot, SPEC §3.1). */
  readonly volumeAgo: Float64Array;
  /** Volume at the latest observation at or before t − 5 min, if not older than t − 10 min (volume5m). */
  readonly volumeAgo5m: Float64Array;
  /** Price at the latest observation at or before t − k min, if not older than t − 2k min. */
  readonly priceAgo1m: Float64Array;
  readonly priceAgo5m: Float64Array;
  readonly priceAgo15m: Float64Array;
}

/** Fields per observation in the buffer: t, volumeToday, price. */
const STRIDE = 3;
const MIN_CAPACITY = 4;
/** Capacities past the minimum are multiples of this many slots (see `fitting`). */
const CHUNK = 16;

/**
 * A capacity for `held` observations with about a quarter to spare, in whole chunks: growing by a quarter keeps
 * the copying amortised O(1) per observation and the unused part small. Powers of two left the 181 observations
 * of 15 minutes of 5-second snapshots in 256 slots (29 % unused); now 224 (19 %), and 901 in 944 instead of 1,024.
 */
function fitting(held: number): number {
  return held < MIN_CAPACITY ? MIN_CAPACITY : Math.ceil((held + Math.max(1, held >> 2)) / CHUNK) * CHUNK;
}

/**
 * One ticker's observations in time order, in a ring. Positions are absolute counts since the ring was last
 * cleared (`slot = position % capacity`), so the look-back cursors survive the ring growing, shrinking and
 * wrapping.
 */
export class ObservationRing {
  private buf = new Float64Array(MIN_CAPACITY * STRIDE);
  private capacity = MIN_CAPACITY;
  /** Observations held: positions [head, tail). */
  private head = 0;
  private tail = 0;
  /** Per look-back, the position of the latest observation at or before its last cutoff (< head: none). */
  private at1 = -1;
  private at5 = -1;
  private at15 = -1;
  /**
   * The columns the last `fill` wrote stay right for every scan instant from that fill's up to (not including)
   * `due`: the first instant at which a cutoff reaches the next observation or a fresh answer turns stale. Most
   * scans come well inside that (hot rescans up to 4 a second, observations every few seconds), and then `fill`
   * is a comparison instead of three cursor walks: a 15K-ticker `prepare` went from 1.15 to 0.37 ms (p10,
   * compiled, scans a millisecond apart: the best case; docs/performance.md).
   */
  private lastFillMs = Infinity;
  private due = -Infinity;

  get size(): number {
    return this.tail - this.head;
  }

  /** Bytes of observation storage held (for the memory measurement). */
  get bytes(): number {
    return this.buf.byteLength;
  }

  /** Forgets every observation (a new trading day). */
  clear(): void {
    if (this.buf.length !== MIN_CAPACITY * STRIDE) this.buf = new Float64Array(MIN_CAPACITY * STRIDE);
    this.capacity = MIN_CAPACITY;
    this.head = this.tail = 0;
    this.at1 = this.at5 = this.at15 = -1;
    this.due = -Infinity;
  }

  /**
   * Records an observation at instant `t`. Events arrive in time order; one stamped at or before the newest
   * observation (same instant, or a clock step back) replaces that observation's values: the state it records
   * is the newest, and two observations can never be told apart by a cutoff between them that does not exist.
   */
  record(t: number, volume: number, price: number): void {
    if (this.tail > this.head) {
      const last = this.slot(this.tail - 1);
      if (t <= this.buf[last]!) {
        this.buf[last + 1] = volume;
        this.buf[last + 2] = price;
        // That observation may be a current answer: the next fill recomputes.
        this.due = -Infinity;
        return;
      }
    }
    // The earliest a new observation can answer is one minute after it (the shortest look-back).
    if (t + ONE_MINUTE_MS < this.due) this.due = t + ONE_MINUTE_MS;
    if (this.tail - this.head === this.capacity) this.resize(fitting(this.capacity + 1));
    const k = this.slot(this.tail);
    this.buf[k] = t;
    this.buf[k + 1] = volume;
    this.buf[k + 2] = price;
    this.tail++;
  }

  /**
   * Writes row `row` of the look-back columns for a scan at `ms` (NaN where there is no answer) and drops the
   * observations no later scan can ask for. Scans run at non-decreasing instants (the cursors only move back
   * within what is held, should a clock step back).
   */
  fill(ms: number, out: LookbackColumns, row: number): void {
    // Unchanged since the last fill (see `due`); a clock step back recomputes.
    if (ms < this.due && ms >= this.lastFillMs) return;
    this.lastFillMs = ms;
    this.at15 = this.seek(this.at15, ms - FIFTEEN_MINUTES_MS);
    this.at5 = this.seek(this.at5, ms - FIVE_MINUTES_MS);
    this.at1 = this.seek(this.at1, ms - ONE_MINUTE_MS);
    out.volumeAgo[row] = this.value(this.at5, 1);
    out.volumeAgo5m[row] = this.fresh(this.at5, ms - 2 * FIVE_MINUTES_MS) ? this.value(this.at5, 1) : NaN;
    out.priceAgo1m[row] = this.fresh(this.at1, ms - 2 * ONE_MINUTE_MS) ? this.value(this.at1, 2) : NaN;
    out.priceAgo5m[row] = this.fresh(this.at5, ms - 2 * FIVE_MINUTES_MS) ? this.value(this.at5, 2) : NaN;
    out.priceAgo15m[row] = this.fresh(this.at15, ms - 2 * FIFTEEN_MINUTES_MS)
      ? this.value(this.at15, 2)
      : NaN;
    this.due = Math.min(
      this.changesAt(this.at1, ONE_MINUTE_MS, ms),
      this.changesAt(this.at5, FIVE_MINUTES_MS, ms),
      this.changesAt(this.at15, FIFTEEN_MINUTES_MS, ms),
    );
    // Everything before the 15-minute answer is superseded for every later cutoff (they only move forward).
    if (this.at15 > this.head) {
      this.head = this.at15;
      const held = this.tail - this.head;
      // Given back once half is unused, so that a ticker whose events slowed down keeps no more than it needs.
      if (held * 2 <= this.capacity && this.capacity > MIN_CAPACITY) this.resize(fitting(held));
    }
  }

  /**
   * The first instant after `ms` at which look-back `k`'s answer (cursor `p`) can change: its cutoff reaches the
   * next observation, or its answer, fresh now, gets older than t − 2k. (A stale answer stays stale; rvolSlot's
   * any-age answer at the 5-minute cursor changes only with the cursor.)
   */
  private changesAt(p: number, k: number, ms: number): number {
    const next = p + 1 < this.tail ? this.time(p + 1) + k : Infinity;
    // Fresh until ms − 2k passes its instant: at ms = time + 2k it is still fresh, so recomputing there is early
    // by one instant at most, never late.
    const expires = p >= this.head && this.time(p) >= ms - 2 * k ? this.time(p) + 2 * k : Infinity;
    return Math.min(next, expires);
  }

  /** The position of the latest observation at or before `cutoff`, starting from `from`; head − 1 if none. */
  private seek(from: number, cutoff: number): number {
    let p = from < this.head ? this.head - 1 : from;
    while (p + 1 < this.tail && this.time(p + 1) <= cutoff) p++;
    while (p >= this.head && this.time(p) > cutoff) p--;
    return p;
  }

  /** "Not older than" `oldest`: the answer at `p` exists and its instant is ≥ `oldest`. */
  private fresh(p: number, oldest: number): boolean {
    return p >= this.head && this.time(p) >= oldest;
  }

  private time(p: number): number {
    return this.buf[this.slot(p)]!;
  }

  /** Field `f` (1 = volume, 2 = price) of the observation at `p`; NaN when there is none. */
  private value(p: number, f: number): number {
    return p >= this.head ? this.buf[this.slot(p) + f]! : NaN;
  }

  /** Index in `buf` of the observation at position `p`. */
  private slot(p: number): number {
    return (p % this.capacity) * STRIDE;
  }

  /** Moves the held observations into a buffer of `capacity` slots (≥ the count held). */
  private resize(capacity: number): void {
    const next = new Float64Array(capacity * STRIDE);
    for (let p = this.head; p < this.tail; p++) {
      const from = this.slot(p);
      next.set(this.buf.subarray(from, from + STRIDE), (p % capacity) * STRIDE);
    }
    this.buf = next;
    this.capacity = capacity;
  }
}
