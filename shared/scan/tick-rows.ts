import type { RowFields, ScanRow } from '../protocol/messages.js';
import { nullable } from './columns.js';
import { materialFieldsMoved, type TableRowSource } from './deltas.js';
import type { MarketState } from './market-state.js';
import { buildRow, changedRowFields, type RowContext } from './rows.js';

/** A row was asked for before its scoreRank was known (a bug in the caller's order of steps). */
export class UnrankedRowError extends Error {
  constructor(readonly row: number) {
    super(`table row ${row} has no scoreRank in this tick`);
    this.name = 'UnrankedRowError';
  }
}

/** Ranks below this share one cache key space with the table row (row × RANK_SPAN + rank stays a small integer). */
const RANK_SPAN = 4096;

/**
 * The client rows of one scan tick, each built from the columns at most once and only when something is sent
 * (SPEC §6). Why: at 1,000 scan lists in a moving market the orchestrator thread sends ≈ 20,000 rows per tick,
 * and building every list member's row, copying it per list and diffing objects made that mostly garbage
 * collection (≈ 180 ms p50 per tick on a quiet machine). Here a ticker's row is built once (`base`, rank =
 * scoreRank), and what the scan lists hold is that one object (diffTableRows' `held`); a copy at a list rank is
 * made only for a message that carries the whole row (an add, a snapshot), once per (ticker, rank); an update's
 * fields are computed once per row last sent (the new values of a symbol do not depend on the list); and the
 * material test reads the four columns without building anything.
 */
export class TickRows implements TableRowSource {
  private readonly ctx: RowContext;
  /** scoreRank of each table row known in this tick (the top MAX_FILTERED, then list members beyond). */
  private readonly scoreRanks = new Map<number, number>();
  private readonly bases = new Map<number, ScanRow>();
  private readonly atRanks = new Map<number, ScanRow>();
  private readonly fields = new Map<ScanRow, RowFields>();
  private readonly stamps = new Map<number, string>();

  constructor(
    private readonly state: MarketState,
    ctx: RowContext,
  ) {
    // One copy of the matched filter names per tick rather than per row: rows are never mutated.
    const filtersMatched = [...ctx.filtersMatched];
    this.ctx = { ...ctx, filtersMatched, isoOf: (ms) => this.iso(ms) };
  }

  /** Records `row`'s scoreRank (the batch beyond the top comes from scoreRanksOf, one pass over the table). */
  rank(row: number, scoreRank: number): void {
    this.scoreRanks.set(row, scoreRank);
  }

  has(row: number): boolean {
    return this.scoreRanks.has(row);
  }

  /** The row of `row` at its scoreRank (rank = scoreRank, as in the `ranked` list). */
  base(row: number): ScanRow {
    let built = this.bases.get(row);
    if (built === undefined) {
      const scoreRank = this.scoreRanks.get(row);
      if (scoreRank === undefined) throw new UnrankedRowError(row);
      built = buildRow(this.state, row, scoreRank, this.ctx);
      this.bases.set(row, built);
    }
    return built;
  }

  /** The row of `row` at list position `rank` (its base when the two ranks agree). */
  at(row: number, rank: number): ScanRow {
    const base = this.base(row);
    if (base.rank === rank) return base;
    if (rank >= RANK_SPAN) return { ...base, rank };
    const key = row * RANK_SPAN + rank;
    let copy = this.atRanks.get(key);
    if (copy === undefined) {
      copy = { ...base, rank };
      this.atRanks.set(key, copy);
    }
    return copy;
  }

  get size(): number {
    return this.state.size;
  }

  symbol(row: number): string {
    return this.state.symbolAt(row);
  }

  /** The table row of `symbol`, or -1 when the table has none (a row restored from before a restart). */
  rowOf(symbol: string): number {
    return this.state.rowFor(symbol) ?? -1;
  }

  /** true when `row`'s four material columns moved past their thresholds from `sent` (isMaterialChange). */
  moved(sent: ScanRow, row: number): boolean {
    const n = this.state.cols.num;
    return materialFieldsMoved(
      sent,
      n.price[row]!,
      nullable(n.volumeToday[row]!),
      nullable(n.changePercent[row]!),
      nullable(n.rvol[row]!),
    );
  }

  /**
   * The fields of an update from `sent` to `row`'s row of this tick (changedFields). Cached by the sent row: the
   * same object is held by every list that last sent it, and the new values of a symbol do not depend on the list.
   */
  changed(sent: ScanRow, row: number): RowFields {
    let out = this.fields.get(sent);
    if (out === undefined) {
      out = changedRowFields(sent, this.base(row));
      this.fields.set(sent, out);
    }
    return out;
  }

  /** updatedAt strings: most rows of a tick share the instant of its last snapshot. */
  private iso(ms: number): string {
    let s = this.stamps.get(ms);
    if (s === undefined) {
      s = new Date(ms).toISOString();
      this.stamps.set(ms, s);
    }
    return s;
  }
}
