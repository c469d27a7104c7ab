import { MarketCalendar } from '../market/calendar.js';
import { MS_PER_MINUTE, nyTime } from '../market/ny-time.js';
import { FIRST_SLOT_MINUTE, marketClock } from '../market/session-clock.js';
import type { VolumeSlot } from '../scan/history.js';
import type { ListName } from '../scan/lists.js';
import type { TickerMetadata } from '../scan/metadata.js';
import type { AggregateEvent } from '../vendor/aggregate-schema.js';
import type { FullMarketSnapshotInput } from '../vendor/snapshot-schema.js';
import { aggregateEvents, type AggregateKind } from './aggregates.js';
import { simulateTickerDay, type SimDay } from './bars.js';
import { SimClock, type SimClockOptions } from './clock.js';
import { DAY_MINUTES } from './day-shape.js';
import { historyRows } from './history.js';
import { JsonBytes } from './json-bytes.js';
import { MarketModel } from './market-model.js';
import { NODE_TIMERS, repeat, type Timers } from './repeat.js';
import { snapshotRow, type SnapshotRow } from './snapshot.js';
import type { StoryKind } from './story-scripts.js';
import { Tape } from './tape.js';
import { buildUniverse, DEFAULT_UNIVERSE_SIZE, universeMetadata, type Universe } from './universe.js';

/**
 * A seeded, deterministic synthetic US equities market that speaks the vendor's wire formats (full-market
 * snapshot bodies, `A`/`AM` aggregate events), so the product decodes it exactly as it decodes the vendor.
 *
 * Pure methods (`snapshotAt`, `aggregatesBetween`, `history`, `metadata`, `stories`) give the market at any
 * simulated instant: the same seed and universe size give the same market, however it is sampled. `start`
 * drives it from a {@link SimClock} and pushes snapshots and aggregates to a listener.
 *
 * **Periods are wall-clock time.** `snapshotEveryMs` (default 5000) and `aggregateEveryMs` (default 1000)
 * are how often the listener hears from the feed, in real milliseconds, whatever the speed: the consumer's
 * work per second stays the same at `speed: 60` (each snapshot then lands 5 simulated minutes after the
 * last) and at `speed: 1` the two coincide with simulated time. Aggregates always cover every window that
 * closed since the previous delivery, so none is lost at any speed (at high speed prefer `AM`).
 * Like the live feed (SPEC §1), nothing is pushed while the simulated session is CLOSED.
 */

export interface SimulatorListener {
  onSnapshot(body: FullMarketSnapshotInput, atMs: number): void;
  /**
   * When present, called instead of `onSnapshot` with the body as JSON bytes ({@link Simulator.snapshotBytesAt}):
   * what a consumer that only serialises the body wants, without the body's objects ever existing at once.
   */
  onSnapshotBytes?(bytes: Uint8Array, atMs: number): void;
  onAggregates(events: AggregateEvent[], atMs: number): void;
  /** A listener that throws stops the simulator unless it handles its errors here. */
  onError?(error: unknown): void;
}

export interface SimulatorOptions extends SimClockOptions {
  readonly seed?: number;
  /** Universe size; default 12,000. */
  readonly tickers?: number;
  /** Wall ms between snapshots; default 5000. */
  readonly snapshotEveryMs?: number;
  /** Wall ms between aggregate deliveries; default 1000. */
  readonly aggregateEveryMs?: number;
  /** `A` (per second, default) or `AM` (per minute) for subscribed symbols. */
  readonly aggregateKind?: AggregateKind;
  readonly timers?: Timers;
}

/** One of a day's stories, for people and tests. */
export interface StoryInfo {
  readonly symbol: string;
  readonly kind: StoryKind;
  readonly summary: string;
  readonly lists: readonly ListName[];
  /** When the main action happens, NY minutes of day. */
  readonly window: readonly [from: number, to: number];
  /** No trades in [from, to) (NY minutes of day), or null. */
  readonly halt: { readonly from: number; readonly to: number } | null;
}

export const DEFAULT_SEED = 42;
const DEFAULT_SNAPSHOT_EVERY_MS = 5000;
const DEFAULT_AGGREGATE_EVERY_MS = 1000;
const MS_PER_SECOND = 1000;

export class Simulator {
  readonly seed: number;
  readonly universe: Universe;
  readonly calendar: MarketCalendar;
  private readonly model: MarketModel;
  private readonly tape: Tape;
  /** Universe indices in symbol order: the order of snapshot rows. */
  private readonly bySymbol: readonly number[];
  private readonly subscribed = new Set<number>();
  private stopTimers: (() => void) | null = null;
  private metadataRows: readonly TickerMetadata[] | undefined;
  private simClock: SimClock | null = null;
  /** Bytes of the last full snapshot body: the next one's buffer is sized from it. */
  private lastBodyBytes = 0;

  constructor(private readonly opts: SimulatorOptions = {}) {
    this.seed = opts.seed ?? DEFAULT_SEED;
    if (!Number.isSafeInteger(this.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
    this.calendar = opts.calendar ?? new MarketCalendar();
    this.universe = buildUniverse(this.seed, opts.tickers ?? DEFAULT_UNIVERSE_SIZE);
    this.model = new MarketModel(this.seed, this.universe, this.calendar);
    this.tape = new Tape(this.model);
    this.bySymbol = this.universe.tickers
      .map((t) => t.index)
      .sort((a, b) => compare(this.universe.tickers[a]!.symbol, this.universe.tickers[b]!.symbol));
  }

  /** Reference data of every ticker (SPEC §2), in symbol order. */
  metadata(): readonly TickerMetadata[] {
    if (this.metadataRows === undefined) {
      const rows = universeMetadata(this.universe, this.seed);
      this.metadataRows = Object.freeze(this.bySymbol.map((i) => Object.freeze(rows[i]!)));
    }
    return this.metadataRows;
  }

  /** The stories of trading day `date` (a RangeError for a day without a session), in symbol order. */
  stories(date: string): StoryInfo[] {
    return [...this.model.context(date).stories.values()]
      .map(({ symbol, kind, script }) => ({
        symbol,
        kind,
        summary: script.summary,
        lists: script.lists,
        window: script.window,
        halt: script.halt,
      }))
      .sort((a, b) => compare(a.symbol, b.symbol));
  }

  /**
   * The full-market snapshot body at simulated instant `atMs` (GET /v2/snapshot/locale/us/markets/stocks/
   * tickers). From 03:30 ET of a trading day it shows that day (zero `day` bars until a ticker's first
   * trade); before, and on days without a session, the last trading day as it ended. `symbols` limits the
   * rows to those tickers, like the vendor's `tickers=` parameter (unknown ones are left out).
   */
  snapshotAt(atMs: number, symbols?: Iterable<string>): FullMarketSnapshotInput {
    const { date, minute, seconds } = this.locate(atMs);
    const indices = symbols === undefined ? this.bySymbol : this.indicesOf(symbols);
    const tickers: SnapshotRow[] = [];
    for (const i of indices) {
      this.tape.seek(i, date, minute);
      const t = this.universe.tickers[i]!;
      tickers.push(snapshotRow(t.symbol, this.tape.now(i, seconds), atMs, t.spreadBps));
    }
    return { status: 'OK', count: tickers.length, tickers };
  }

  /**
   * The body of {@link snapshotAt} as UTF-8 JSON: exactly the bytes of `JSON.stringify(snapshotAt(atMs, symbols))`,
   * built a row at a time. The whole body never exists as objects (≈ 100 k of them at 15,000 tickers, which
   * would survive into the old generation as garbage) nor as one string; the returned array owns its
   * ArrayBuffer, so it can be transferred to a worker.
   */
  snapshotBytesAt(atMs: number, symbols?: Iterable<string>): Uint8Array {
    const { date, minute, seconds } = this.locate(atMs);
    const whole = symbols === undefined;
    const indices = whole ? this.bySymbol : this.indicesOf(symbols);
    const guess = whole && this.lastBodyBytes > 0 ? this.lastBodyBytes * 1.02 : indices.length * 700 + 64;
    const out = new JsonBytes(guess);
    // The envelope as JSON.stringify writes `{ status, count, tickers }` (see snapshotAt).
    out.append(`{"status":"OK","count":${indices.length},"tickers":[`);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      this.tape.seek(i, date, minute);
      const t = this.universe.tickers[i]!;
      const row = snapshotRow(t.symbol, this.tape.now(i, seconds), atMs, t.spreadBps);
      out.append(k === 0 ? JSON.stringify(row) : `,${JSON.stringify(row)}`);
    }
    out.append(']}');
    if (whole) this.lastBodyBytes = out.byteLength;
    return out.finish();
  }

  /** `A`/`AM` events of `symbols` for the windows that end in (fromMs, toMs] and have trades. */
  aggregatesBetween(
    fromMs: number,
    toMs: number,
    symbols: Iterable<string>,
    kind: AggregateKind = 'A',
  ): AggregateEvent[] {
    return aggregateEvents(this.model, this.tape, fromMs, toMs, this.indicesOf(symbols), kind);
  }

  /**
   * The symbols whose story is halted at simulated instant `atMs` (no trades, the row frozen), in symbol order:
   * what a vendor's halt feed would report then. Empty outside a trading day's tape.
   */
  haltedAt(atMs: number): string[] {
    const { date, minute } = this.locate(atMs);
    if (minute >= DAY_MINUTES) return [];
    const { stories, shape } = this.model.context(date);
    const minuteOfDay = FIRST_SLOT_MINUTE + minute;
    // As the tape has it (stories.ts): the closing print always happens, so no halt covers the last regular minute.
    if (minute >= shape.closeMinute - 1) return [];
    const out: string[] = [];
    for (const { symbol, script } of stories.values())
      if (script.halt && minuteOfDay >= script.halt.from && minuteOfDay < script.halt.to) out.push(symbol);
    return out.sort(compare);
  }

  /** Volume slots of the `days` trading days before `beforeDate` (all tickers unless `symbols`). */
  history(days: number, beforeDate: string, symbols?: Iterable<string>): VolumeSlot[] {
    return [...this.historyRows(days, beforeDate, symbols)];
  }

  /** The same rows as `history`, streamed: 12,000 tickers' worth is too big to hold as objects. */
  historyRows(days: number, beforeDate: string, symbols?: Iterable<string>): Iterable<VolumeSlot> {
    const indices = symbols === undefined ? this.bySymbol : this.indicesOf(symbols);
    return historyRows(this.model, days, beforeDate, indices);
  }

  /**
   * One ticker's bars of trading day `date` as the vendor's history serves them (bars.ts): the day bar, and the
   * minute bars when `minutes` is set, over the minutes that ended by `untilMs` (default the whole day).
   * Undefined for an unknown symbol or a day without a session.
   */
  barsOf(
    symbol: string,
    date: string,
    options: { readonly untilMs?: number; readonly minutes?: boolean } = {},
  ): SimDay | undefined {
    const i = this.universe.indexBySymbol.get(symbol);
    if (i === undefined || !this.calendar.isTradingDay(date)) return undefined;
    return simulateTickerDay(this.model, i, date, options);
  }

  /** Adds symbols to the aggregate stream (unknown symbols are ignored, as the vendor does). */
  subscribe(symbols: Iterable<string>): void {
    for (const i of this.indicesOf(symbols)) this.subscribed.add(i);
  }

  unsubscribe(symbols: Iterable<string>): void {
    for (const i of this.indicesOf(symbols)) this.subscribed.delete(i);
  }

  get running(): boolean {
    return this.stopTimers !== null;
  }

  /** The running clock (null when stopped). */
  get clock(): SimClock | null {
    return this.simClock;
  }

  /** Starts the clock and pushes a snapshot now and every `snapshotEveryMs`, aggregates every `aggregateEveryMs`. */
  start(listener: SimulatorListener): void {
    if (this.running) throw new Error('the simulator is already running');
    const wallNow = this.opts.wallNow ?? Date.now;
    const timers = this.opts.timers ?? NODE_TIMERS;
    const clock = new SimClock({ ...this.opts, calendar: this.calendar, wallNow });
    this.simClock = clock;
    let aggregatesFrom = clock.startMs;
    const kind = this.opts.aggregateKind ?? 'A';
    const guarded = (fn: () => void) => () => {
      try {
        fn();
      } catch (error) {
        if (!listener.onError) {
          this.stop();
          throw error;
        }
        listener.onError(error);
      }
    };
    const stopSnapshots = repeat(
      this.opts.snapshotEveryMs ?? DEFAULT_SNAPSHOT_EVERY_MS,
      guarded(() => {
        const at = clock.now();
        if (marketClock(at, this.calendar).session === 'CLOSED') return;
        if (listener.onSnapshotBytes) listener.onSnapshotBytes(this.snapshotBytesAt(at), at);
        else listener.onSnapshot(this.snapshotAt(at), at);
      }),
      wallNow,
      timers,
    );
    const stopAggregates = repeat(
      this.opts.aggregateEveryMs ?? DEFAULT_AGGREGATE_EVERY_MS,
      guarded(() => {
        const at = clock.now();
        const from = aggregatesFrom;
        aggregatesFrom = at;
        if (this.subscribed.size === 0) return;
        const events = aggregateEvents(this.model, this.tape, from, at, [...this.subscribed], kind);
        if (events.length > 0) listener.onAggregates(events, at);
      }),
      wallNow,
      timers,
    );
    this.stopTimers = () => {
      stopSnapshots();
      stopAggregates();
    };
  }

  stop(): void {
    this.stopTimers?.();
    this.stopTimers = null;
    this.simClock = null;
  }

  /** Which day's tape a snapshot at `atMs` shows, and how far into it. */
  private locate(atMs: number): { date: string; minute: number; seconds: number } {
    const { date } = nyTime(atMs);
    if (this.calendar.isTradingDay(date)) {
      const { shape } = this.model.context(date);
      if (atMs >= shape.clearMs) {
        const elapsed = Math.max(0, atMs - shape.startMs);
        const minute = Math.min(DAY_MINUTES, Math.floor(elapsed / MS_PER_MINUTE));
        const seconds = minute < DAY_MINUTES ? (elapsed - minute * MS_PER_MINUTE) / MS_PER_SECOND : 0;
        return { date, minute, seconds };
      }
    }
    return { date: this.calendar.previousTradingDay(date), minute: DAY_MINUTES, seconds: 0 };
  }

  private indicesOf(symbols: Iterable<string>): number[] {
    const out: number[] = [];
    for (const s of symbols) {
      const i = this.universe.indexBySymbol.get(s);
      if (i !== undefined) out.push(i);
    }
    return out;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
