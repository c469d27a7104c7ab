import { nyTime, nyWallClockToUtcMs } from '../market/ny-time.js';
import { FIRST_SLOT_MINUTE } from '../market/session-clock.js';
import { allocateColumns, clearStateRow, growColumns, SLOTS, type MarketColumns } from './columns.js';
import { CodeDictionary } from './dictionary.js';
import type { TickerMetadata } from './metadata.js';
import { ObservationRing } from './observations.js';
import { SNAPSHOT_FIELDS, type SnapshotColumns, type SnapshotField } from '../vendor/snapshot-columns.js';

type SnapshotValues = Record<SnapshotField, number>;

/** The fields of a vendor snapshot row the engine reads (SPEC §2). Structural, so decoded columns fit too. */
export interface SnapshotRowInput {
  readonly ticker: string;
  readonly day?: {
    readonly o?: number;
    readonly h?: number;
    readonly l?: number;
    readonly c?: number;
    readonly v?: number;
    /** Today's VWAP. */
    readonly vw?: number;
  } | null;
  readonly prevDay?: { readonly c?: number } | null;
  readonly min?: { readonly av?: number; readonly c?: number } | null;
  readonly lastTrade?: { readonly p?: number } | null;
  readonly lastQuote?: { readonly p?: number; readonly P?: number } | null;
}

/** The fields of a vendor `A` / `AM` aggregate event the engine reads (SPEC §2.1). */
export interface AggregateInput {
  readonly sym: string;
  readonly c?: number;
  readonly av?: number;
  readonly op?: number;
  readonly h?: number;
  readonly l?: number;
  /** Today's VWAP. */
  readonly a?: number;
  /** End of the bar's window, epoch ms (vendor events carry it): orders bars of one ticker. */
  readonly e?: number;
}

/** Supplies a symbol's RVOL baseline curve for the current trading day (undefined = no history yet). */
export type BaselineSource = (symbol: string) => Float64Array | undefined;

/** What applying one event did, for counters and logs. */
export interface ApplyStats {
  applied: number;
  noPrice: number;
  newSymbols: number;
  dayChanged: boolean;
  /** Aggregates skipped as older than the state (see {@link MarketState.applyAggregate}). */
  stale: number;
}

const pos = (v: number | undefined): v is number => v !== undefined && v > 0;

/** The first value that is > 0: the vendor sends 0 for "none yet" (e.g. `day.o` before 09:30). */
function firstPositive(...values: (number | undefined)[]): number | undefined {
  for (const v of values) if (pos(v)) return v;
  return undefined;
}

/**
 * The market state of SPEC §2.1: one owner (the orchestrator's thread, or replay) writes it from snapshots and
 * aggregates; scans read it. Rows are assigned to symbols as they first appear and never move.
 */
export class MarketState {
  cols: MarketColumns;
  readonly dictionary = new CodeDictionary();
  private readonly rowOf = new Map<string, number>();
  private readonly symbols: string[] = [];
  private readonly companyNames: (string | null)[] = [];
  /** Per row: the ticker has a metadata row (SPEC §12 `hasMetadata`). */
  private readonly withMetadata: boolean[] = [];
  private observations: ObservationRing[] = [];
  /** Per row, the window end of the newest aggregate applied today (−Infinity: none). */
  private barEnd: number[] = [];
  private metadata = new Map<string, TickerMetadata>();
  private baselineSource: BaselineSource = () => undefined;
  private orderDirty = false;
  /** Reused for every row so that applying 12K rows allocates nothing per row. */
  private readonly scratch = Object.fromEntries(SNAPSHOT_FIELDS.map((k) => [k, NaN])) as SnapshotValues;
  private currentDate: string | null = null;
  /** 04:00 New York of the current date: high/low are session extremes since then (SPEC §2). */
  private extremesFromMs = -Infinity;

  constructor(
    initialCapacity = 1024,
    private readonly shared = true,
  ) {
    this.cols = allocateColumns(initialCapacity, shared);
  }

  get size(): number {
    return this.symbols.length;
  }

  /** The New York date of the last event applied, or null before the first. */
  get date(): string | null {
    return this.currentDate;
  }

  symbolAt(row: number): string {
    return this.symbols[row]!;
  }

  companyNameAt(row: number): string | null {
    return this.companyNames[row] ?? null;
  }

  hasMetadataAt(row: number): boolean {
    return this.withMetadata[row] ?? false;
  }

  /** The row has an RVOL baseline for today: enough history days (else its RVOL is "warming", SPEC §12). */
  hasBaseline(row: number): boolean {
    return !Number.isNaN(this.cols.baseline[row * SLOTS]!);
  }

  rowFor(symbol: string): number | undefined {
    return this.rowOf.get(symbol);
  }

  /** Replaces the metadata; rows already present pick it up at once. */
  setMetadata(rows: Iterable<TickerMetadata>): void {
    this.metadata = new Map([...rows].map((m) => [m.symbol, m]));
    this.symbols.forEach((s, row) => this.fillMetadata(row, this.metadata.get(s)));
  }

  /** Sets where baselines come from (called at start and at each trading-day change) and reloads them. */
  setBaselines(source: BaselineSource): void {
    this.baselineSource = source;
    this.symbols.forEach((s, row) => this.fillBaseline(row, s));
  }

  /**
   * Starts the event at `ms`: when its New York date differs from the previous event's, all per-ticker market
   * state is cleared (metadata, baselines and sequences are not). Returns true on such a day change; the caller
   * then loads the new day's baselines.
   */
  beginEvent(ms: number): boolean {
    const date = nyTime(ms).date;
    if (date === this.currentDate) return false;
    const first = this.currentDate === null;
    this.currentDate = date;
    this.extremesFromMs = nyWallClockToUtcMs(date, FIRST_SLOT_MINUTE);
    if (first) return true;
    for (let row = 0; row < this.symbols.length; row++) clearStateRow(this.cols, row);
    for (const ring of this.observations) ring.clear();
    this.barEnd = this.symbols.map(() => -Infinity);
    return true;
  }

  /** Applies one snapshot row observed at `ms` (SPEC §2, §2.1). Returns false when it has no price. */
  applySnapshotRow(r: SnapshotRowInput, ms: number, stats: ApplyStats): boolean {
    const v = this.scratch;
    v.lastTradeP = r.lastTrade?.p ?? NaN;
    v.minC = r.min?.c ?? NaN;
    v.minAv = r.min?.av ?? NaN;
    v.dayO = r.day?.o ?? NaN;
    v.dayH = r.day?.h ?? NaN;
    v.dayL = r.day?.l ?? NaN;
    v.dayC = r.day?.c ?? NaN;
    v.dayV = r.day?.v ?? NaN;
    v.dayVw = r.day?.vw ?? NaN;
    v.prevDayC = r.prevDay?.c ?? NaN;
    v.bidP = r.lastQuote?.p ?? NaN;
    v.askP = r.lastQuote?.P ?? NaN;
    return this.applySnapshotValues(r.ticker, v, ms, stats);
  }

  /** Applies every row of a snapshot decoded into columns (the decode worker's output). */
  applySnapshotColumns(c: SnapshotColumns, ms: number, stats: ApplyStats): void {
    const v = this.scratch;
    const f = c.fields;
    for (let i = 0; i < c.count; i++) {
      for (const k of SNAPSHOT_FIELDS) v[k] = f[k][i]!;
      this.applySnapshotValues(c.symbols[i]!, v, ms, stats);
    }
  }

  /** SPEC §2 for one row, on flat values (NaN = absent): the one place these formulas live. */
  private applySnapshotValues(symbol: string, v: SnapshotValues, ms: number, stats: ApplyStats): boolean {
    const price = firstPositive(v.lastTradeP, v.minC, v.dayC, v.prevDayC);
    if (price === undefined) {
      stats.noPrice++;
      return false;
    }
    const row = this.ensureRow(symbol, stats);
    const n = this.cols.num;
    n.price[row] = price;
    const volume = firstPositive(v.minAv) ?? v.dayV;
    if (volume >= 0) n.volumeToday[row] = volume;
    n.prevClose[row] = firstPositive(v.prevDayC) ?? NaN;
    n.open[row] = firstPositive(v.dayO) ?? NaN;
    n.dayClose[row] = firstPositive(v.dayC) ?? NaN;
    if (v.bidP > 0) n.bid[row] = v.bidP;
    if (v.askP > 0) n.ask[row] = v.askP;
    if (v.dayVw > 0) n.vwap[row] = v.dayVw;
    this.widen(row, ms, v.dayH, v.dayL, price);
    this.observe(row, ms);
    stats.applied++;
    return true;
  }

  /**
   * Applies one streamed aggregate observed at `ms` (SPEC §2.1), unless it is older than the state: it ends no
   * later than the newest bar applied to the ticker today, or its day volume `av` is below the ticker's volume
   * (the day's volume only grows, so such a bar predates what a snapshot or a later bar already set). The stream
   * delivers at least once — a bar can come back after a crash or a failed tick, behind newer data — and a stale
   * bar must not move price or volume backwards. Skipped bars are counted in `stats.stale`.
   */
  applyAggregate(a: AggregateInput, ms: number, stats: ApplyStats): void {
    const row = this.ensureRow(a.sym, stats);
    const n = this.cols.num;
    if ((a.e !== undefined && a.e <= this.barEnd[row]!) || (pos(a.av) && a.av < n.volumeToday[row]!)) {
      stats.stale++;
      return;
    }
    if (a.e !== undefined) this.barEnd[row] = a.e;
    if (pos(a.c)) n.price[row] = a.c;
    if (pos(a.av)) n.volumeToday[row] = a.av;
    if (pos(a.op)) n.open[row] = a.op;
    if (pos(a.a)) n.vwap[row] = a.a;
    const price = n.price[row]!;
    this.widen(row, ms, a.h, a.l, Number.isNaN(price) ? undefined : price);
    this.observe(row, ms);
    stats.applied++;
  }

  /**
   * Readies the columns for a scan at `ms`: the look-back prices and volumes (k minutes ago, SPEC §3 and §3.1)
   * and, when symbols were added, the symbol order used to break ties.
   */
  prepareScan(ms: number): void {
    const out = this.cols.num;
    for (let row = 0; row < this.symbols.length; row++) this.observations[row]!.fill(ms, out, row);
    if (this.orderDirty) {
      const order = this.symbols
        .map((s, row) => ({ s, row }))
        .sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
      order.forEach(({ row }, k) => (this.cols.symbolOrder[row] = k));
      this.orderDirty = false;
    }
  }

  private ensureRow(symbol: string, stats: ApplyStats): number {
    const existing = this.rowOf.get(symbol);
    if (existing !== undefined) return existing;
    const row = this.symbols.length;
    if (row >= this.cols.capacity) this.cols = growColumns(this.cols, row + 1, this.shared);
    this.rowOf.set(symbol, row);
    this.symbols.push(symbol);
    this.observations.push(new ObservationRing());
    this.barEnd.push(-Infinity);
    this.fillMetadata(row, this.metadata.get(symbol));
    this.fillBaseline(row, symbol);
    this.orderDirty = true;
    stats.newSymbols++;
    return row;
  }

  /**
   * Widens high/low with what an event at `ms` carries — from 04:00 New York on only: before it the vendor's
   * `day.h`/`day.l` and last trade still describe the previous session (its snapshot is cleared at 03:30 and
   * refills from 04:00), and SPEC §2 defines high/low as the session's extremes since 04:00.
   */
  private widen(
    row: number,
    ms: number,
    high: number | undefined,
    low: number | undefined,
    price: number | undefined,
  ): void {
    if (ms < this.extremesFromMs) return;
    const n = this.cols.num;
    for (const v of [high, price]) if (pos(v) && !(n.high[row]! >= v)) n.high[row] = v;
    for (const v of [low, price]) if (pos(v) && !(n.low[row]! <= v)) n.low[row] = v;
  }

  /**
   * Records the observation (t, volumeToday, price) of SPEC §2.1. Once set, neither value goes back to null
   * within a day, so an observation holding null is only ever followed by null answers before it: recording it
   * changes no look-back.
   */
  private observe(row: number, ms: number): void {
    const n = this.cols.num;
    n.updatedMs[row] = ms;
    this.observations[row]!.record(ms, n.volumeToday[row]!, n.price[row]!);
  }

  private fillMetadata(row: number, m: TickerMetadata | undefined): void {
    const n = this.cols.num;
    const num = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);
    n.marketCap[row] = num(m?.marketCap);
    n.floatShares[row] = num(m?.floatShares);
    n.sharesOutstanding[row] = num(m?.sharesOutstanding);
    n.avgVolume30d[row] = num(m?.avgVolume30d);
    n.avgVolume10d[row] = num(m?.avgVolume10d);
    n.avgPrice30d[row] = num(m?.avgPrice30d);
    n.beta[row] = num(m?.beta);
    this.cols.isEtf[row] = m?.isEtf === true ? 1 : m?.isEtf === false ? 0 : -1;
    this.cols.code.sector[row] = this.dictionary.intern('sector', m?.sector ?? null);
    this.cols.code.industry[row] = this.dictionary.intern('industry', m?.industry ?? null);
    this.cols.code.exchange[row] = this.dictionary.intern('exchange', m?.exchange ?? null);
    this.companyNames[row] = m?.companyName ?? null;
    this.withMetadata[row] = m !== undefined;
  }

  private fillBaseline(row: number, symbol: string): void {
    const curve = this.baselineSource(symbol);
    const offset = row * SLOTS;
    if (curve) this.cols.baseline.set(curve, offset);
    else this.cols.baseline.fill(NaN, offset, offset + SLOTS);
  }
}

export function emptyApplyStats(): ApplyStats {
  return { applied: 0, noPrice: 0, newSymbols: 0, dayChanged: false, stale: 0 };
}
