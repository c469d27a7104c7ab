import type { MarketColumns } from '../scan/columns.js';
import type { ListName } from '../scan/lists.js';
import type { Session } from '../scan/sessions.js';
import { ALERT_KINDS, type AlertKind, type AlertSettings } from './alert-settings.js';

/*
 * Alert detection (SPEC §14) over the market table's columns, after the kernel wrote its outputs and `passed`.
 * The rules are the pure predicates below; AlertDetector adds the two pieces of memory they need — each ticker's
 * values at its previous scan of the day, and when each (symbol, kind[, list]) last fired — and nothing else, so
 * replay and the live orchestrator detect exactly the same alerts from the same scans.
 *
 * Cost: one pass over the rows per scan reading five columns (≈ 0.1 ms at 15K tickers); a row object is built only
 * for the alerts that fire (by the caller).
 */

/** new_high: during MARKET_OPEN, the price is above the high the ticker had at its previous scan (NaN: never). */
export function isNewHigh(session: Session, price: number, prevHigh: number): boolean {
  return session === 'MARKET_OPEN' && price > prevHigh;
}

/** new_low: during MARKET_OPEN, the price is below the low the ticker had at its previous scan (NaN: never). */
export function isNewLow(session: Session, price: number, prevLow: number): boolean {
  return session === 'MARKET_OPEN' && price < prevLow;
}

/** running_up: change1m ≥ +runPct (a null change1m, NaN, never runs). */
export function isRunningUp(change1m: number, runPct: number): boolean {
  return change1m >= runPct;
}

/** running_down: change1m ≤ −runPct. */
export function isRunningDown(change1m: number, runPct: number): boolean {
  return change1m <= -runPct;
}

/** volume_spike: rvolSlot ≥ threshold now, and below it or null at the previous scan. */
export function isVolumeSpike(rvolSlot: number, prevRvolSlot: number, threshold: number): boolean {
  return rvolSlot >= threshold && !(prevRvolSlot >= threshold);
}

/** Fires unless the same alert fired less than `cooldownMs` before `ms` (SPEC §14: t − last ≥ cooldown). */
export function offCooldown(last: number | undefined, ms: number, cooldownMs: number): boolean {
  return last === undefined || ms - last >= cooldownMs;
}

/** An `add` of a built-in list in this scan's messages (SPEC §6), the source of `entered_list`. */
export interface ListAdd {
  readonly list: ListName;
  readonly row: number;
  readonly rank: number;
}

/** One alert that fired: the table row it is about, its value and (entered_list) its list. */
export interface DetectedAlert {
  readonly kind: AlertKind;
  readonly row: number;
  readonly symbol: string;
  readonly value: number | null;
  readonly list: ListName | null;
}

export interface DetectInput {
  readonly cols: MarketColumns;
  readonly size: number;
  /** The scan instant (epoch ms) and its New York date: the previous-scan memory is per date. */
  readonly ms: number;
  readonly date: string;
  readonly session: Session;
  readonly symbolAt: (row: number) => string;
  readonly rowFor: (symbol: string) => number | undefined;
  /** The built-in lists' adds of this scan. */
  readonly adds: readonly ListAdd[];
}

const KIND_ORDER = new Map(ALERT_KINDS.map((k, i) => [k, i]));

/** SPEC §14's order within a scan: kind (ALERT_KINDS order), then symbol, then list name. */
export function compareAlerts(a: DetectedAlert, b: DetectedAlert): number {
  return (
    KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)! ||
    (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) ||
    ((a.list ?? '') < (b.list ?? '') ? -1 : (a.list ?? '') > (b.list ?? '') ? 1 : 0)
  );
}

/** How often fired-at entries older than every cooldown are dropped (they can no longer suppress anything). */
const PRUNE_EVERY_MS = 60_000;

/**
 * The memory of alert detection, bounded: three numbers per ticker (its high, low and rvolSlot at its previous
 * scan), the last firing instant per (symbol, kind[, list]) still within a cooldown, and the halted symbols.
 * All of it is cleared when the New York date changes, like the market state (SPEC §2.1).
 */
export class AlertDetector {
  private prevHigh = new Float64Array(0);
  private prevLow = new Float64Array(0);
  private prevRvolSlot = new Float64Array(0);
  private date: string | null = null;
  private readonly lastFired = new Map<string, number>();
  private lastPrune = -Infinity;
  private readonly maxCooldownMs: number;
  /** Symbols the source reports halted, as of the last report. */
  private halted = new Set<string>();
  /** Halt transitions reported since the last scan. */
  private pendingHalts: { readonly symbol: string; readonly halted: boolean }[] = [];

  constructor(private readonly settings: AlertSettings) {
    this.maxCooldownMs = Math.max(...Object.values(settings.cooldownMs));
  }

  /**
   * The source's set of halted symbols now (the simulator's halted stories; a vendor feed that carries halts).
   * Symbols entering it get a `halt` at the next scan, symbols leaving it a `resume`: a set, not events, so a
   * coalesced or dropped report loses nothing — the next one carries the whole state.
   */
  setHalted(symbols: Iterable<string>): void {
    const next = new Set(symbols);
    for (const s of next) if (!this.halted.has(s)) this.pendingHalts.push({ symbol: s, halted: true });
    for (const s of this.halted) if (!next.has(s)) this.pendingHalts.push({ symbol: s, halted: false });
    this.halted = next;
  }

  /** The alerts of one scan, in publication order; records their firing for the cooldowns. */
  detect(input: DetectInput): DetectedAlert[] {
    const { cols, size, ms, session, symbolAt } = input;
    const { runPct, volumeSpikeRvol } = this.settings;
    this.startDate(input.date);
    this.ensureCapacity(size);
    const out: DetectedAlert[] = [];
    const fire = (kind: AlertKind, row: number, value: number | null, list: ListName | null = null) => {
      const symbol = symbolAt(row);
      const key = list === null ? `${kind}|${symbol}` : `${kind}|${symbol}|${list}`;
      if (!offCooldown(this.lastFired.get(key), ms, this.settings.cooldownMs[kind])) return;
      this.lastFired.set(key, ms);
      out.push({ kind, row, symbol, value, list });
    };
    const n = cols.num;
    const { price, high, low, change1m, rvolSlot } = n;
    const { prevHigh, prevLow, prevRvolSlot } = this;
    for (let i = 0; i < size; i++) {
      const px = price[i]!;
      if (Number.isNaN(px)) continue;
      if (cols.passed[i] === 1) {
        if (isNewHigh(session, px, prevHigh[i]!)) fire('new_high', i, px);
        if (isNewLow(session, px, prevLow[i]!)) fire('new_low', i, px);
        const c1 = change1m[i]!;
        if (isRunningUp(c1, runPct)) fire('running_up', i, c1);
        if (isRunningDown(c1, runPct)) fire('running_down', i, c1);
        const rs = rvolSlot[i]!;
        if (isVolumeSpike(rs, prevRvolSlot[i]!, volumeSpikeRvol)) fire('volume_spike', i, rs);
      }
      // Every scanned ticker's values are remembered, passing or not: "its previous scan" is the ticker's.
      prevHigh[i] = high[i]!;
      prevLow[i] = low[i]!;
      prevRvolSlot[i] = rvolSlot[i]!;
    }
    for (const add of input.adds) fire('entered_list', add.row, add.rank, add.list);
    for (const h of this.pendingHalts) {
      const row = input.rowFor(h.symbol);
      // Like every kind, only about tickers that pass the global filters now (SPEC §14).
      if (row !== undefined && cols.passed[row] === 1 && !Number.isNaN(price[row]!))
        fire(h.halted ? 'halt' : 'resume', row, null);
    }
    this.pendingHalts = [];
    this.prune(ms);
    return out.sort(compareAlerts);
  }

  private startDate(date: string): void {
    if (date === this.date) return;
    this.date = date;
    this.prevHigh.fill(NaN);
    this.prevLow.fill(NaN);
    this.prevRvolSlot.fill(NaN);
    this.lastFired.clear();
  }

  private ensureCapacity(size: number): void {
    if (size <= this.prevHigh.length) return;
    const capacity = Math.max(size, this.prevHigh.length * 2, 1024);
    const grow = (old: Float64Array) => {
      const next = new Float64Array(capacity).fill(NaN);
      next.set(old);
      return next;
    };
    this.prevHigh = grow(this.prevHigh);
    this.prevLow = grow(this.prevLow);
    this.prevRvolSlot = grow(this.prevRvolSlot);
  }

  private prune(ms: number): void {
    if (ms - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = ms;
    for (const [key, last] of this.lastFired) if (ms - last >= this.maxCooldownMs) this.lastFired.delete(key);
  }
}
