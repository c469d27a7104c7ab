import { SLOTS } from './columns.js';

/** One row of `volume_slots` (SPEC §3.1): cumulative day volume at the end of a 5-minute slot. */
export interface VolumeSlot {
  readonly symbol: string;
  /** Trading day, 'YYYY-MM-DD' (New York). */
  readonly date: string;
  /** 0 … 191; slot s ends at 04:00 + 5(s+1) minutes. */
  readonly slot: number;
  readonly cumVolume: number;
}

/** One symbol's history for one date: cumulative volume per slot (NaN where the slot has no row). */
export interface VolumeDay {
  readonly symbol: string;
  readonly date: string;
  readonly volumes: Float64Array;
}

/**
 * What the engine needs from history: a symbol's baseline curve for a trading day.
 *
 * The engine asks for a symbol's curve once per trading day — when the day starts for the rows it has, or when the
 * symbol first appears — and copies it into the market table's baseline column (MarketState), which is what the
 * kernel reads. So a provider may let a curve go once it has handed it out ({@link DayBaselines} does).
 */
export interface BaselineProvider {
  baselineCurve(
    symbol: string,
    today: string,
    lookbackDays: number,
    minDays: number,
  ): Float64Array | undefined;
}

/**
 * The mean carried-forward curve of SPEC §3.1 over `days` (the lookback days of one symbol): for each slot s,
 * the mean over days of the latest value > 0 at or before s (0 if none).
 */
export function meanCurve(days: readonly Float64Array[]): Float64Array {
  const curve = new Float64Array(SLOTS);
  for (const day of days) {
    let carried = 0;
    for (let s = 0; s < SLOTS; s++) {
      const v = day[s]!;
      if (v > 0) carried = v;
      curve[s]! += carried;
    }
  }
  for (let s = 0; s < SLOTS; s++) curve[s]! /= days.length;
  return curve;
}

/**
 * Volume history indexed by symbol and date, and the RVOL baseline curve derived from it.
 *
 * The curve holds, for each slot s, the mean over the lookback days of cum_d(s) (with missing or zero slots
 * carrying the previous value forward). The kernel interpolates inside a slot from two adjacent values, so
 * the per-scan cost is two array reads per ticker whatever the lookback.
 */
export class VolumeHistory implements BaselineProvider {
  private readonly bySymbol = new Map<string, Map<string, Float64Array>>();

  constructor(rows: Iterable<VolumeSlot> = []) {
    this.add(rows);
  }

  add(rows: Iterable<VolumeSlot>): void {
    for (const r of rows) {
      let days = this.bySymbol.get(r.symbol);
      if (!days) this.bySymbol.set(r.symbol, (days = new Map<string, Float64Array>()));
      let day = days.get(r.date);
      if (!day) {
        day = new Float64Array(SLOTS).fill(NaN);
        days.set(r.date, day);
      }
      day[r.slot] = r.cumVolume;
    }
  }

  /** Adds whole days (the compact form the database and the simulator produce). */
  addDays(days: Iterable<VolumeDay>): void {
    for (const d of days) {
      let byDate = this.bySymbol.get(d.symbol);
      if (!byDate) this.bySymbol.set(d.symbol, (byDate = new Map<string, Float64Array>()));
      byDate.set(d.date, d.volumes);
    }
  }

  get symbolCount(): number {
    return this.bySymbol.size;
  }

  /**
   * The baseline curve of `symbol` for trading day `today`, or undefined when fewer than `minDays` dates
   * before today have history (RVOL is then null: "warming").
   */
  baselineCurve(
    symbol: string,
    today: string,
    lookbackDays: number,
    minDays: number,
  ): Float64Array | undefined {
    const days = this.bySymbol.get(symbol);
    if (!days) return undefined;
    const dates = [...days.keys()]
      .filter((d) => d < today)
      .sort()
      .reverse()
      .slice(0, lookbackDays);
    if (dates.length < minDays || dates.length === 0) return undefined;
    return meanCurve(dates.map((d) => days.get(d)!));
  }
}

/**
 * Baseline curves for ONE trading day, computed as the history streams in (one symbol's days at a time) and
 * keeping only the curves: 15K symbols × 192 slots × 8 bytes ≈ 23 MB, where the raw five days would hold
 * 115 MB. This is what the orchestrator loads; replay keeps the raw {@link VolumeHistory} because a recording
 * may span several days.
 *
 * A curve is handed out once: {@link baselineCurve} gives it to the engine, which copies it into the market
 * table (see {@link BaselineProvider}), and forgets it here. Otherwise every curve would be held twice for the
 * whole day (another 23 MB at 15K symbols); what stays is the curves of symbols that have not appeared yet.
 */
export class DayBaselines implements BaselineProvider {
  private readonly curves = new Map<string, Float64Array>();
  private built = 0;
  private symbol: string | null = null;
  private group: VolumeDay[] = [];

  /** `days` must be grouped by symbol (the database returns them ordered by symbol, date). */
  constructor(
    readonly today: string,
    days: Iterable<VolumeDay>,
    private readonly lookbackDays: number,
    private readonly minDays: number,
  ) {
    for (const d of days) this.add(d);
    this.flush();
  }

  /** The same from a stream (e.g. the database, a chunk of symbols per query). */
  static async fromAsync(
    today: string,
    days: AsyncIterable<VolumeDay>,
    lookbackDays: number,
    minDays: number,
  ): Promise<DayBaselines> {
    const b = new DayBaselines(today, [], lookbackDays, minDays);
    for await (const d of days) b.add(d);
    b.flush();
    return b;
  }

  /** Symbols with a curve for the day (handed out or not). */
  get size(): number {
    return this.built;
  }

  /** Curves not handed out yet. */
  get pending(): number {
    return this.curves.size;
  }

  /** The curve of `symbol` for `today` (undefined for another day), handed out once: a second call gives undefined. */
  baselineCurve(symbol: string, today: string): Float64Array | undefined {
    if (today !== this.today) return undefined;
    const curve = this.curves.get(symbol);
    if (curve !== undefined) this.curves.delete(symbol);
    return curve;
  }

  private add(d: VolumeDay): void {
    if (d.symbol !== this.symbol) {
      this.flush();
      this.symbol = d.symbol;
    }
    this.group.push(d);
  }

  /** Folds the current symbol's days into its curve and lets them go. */
  private flush(): void {
    const usable = this.group
      .filter((d) => d.date < this.today)
      .sort((a, b) => (a.date < b.date ? 1 : -1))
      .slice(0, this.lookbackDays);
    if (this.symbol !== null && usable.length > 0 && usable.length >= this.minDays) {
      this.curves.set(this.symbol, meanCurve(usable.map((d) => d.volumes)));
      this.built++;
    }
    this.group = [];
  }
}
