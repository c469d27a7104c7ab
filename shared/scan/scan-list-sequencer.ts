import type { Delta, ScanRow } from '../protocol/messages.js';
import { atRanks, diffTableRows, TableDiffScratch, type ListState, type TableRowSource } from './deltas.js';
import type { ScanListName } from './scan-list-names.js';

/**
 * A scan list's messages (SPEC §13: exactly a list's, §6): a snapshot first, then deltas with seq/prevSeq, in the
 * epoch of the built-in lists. The shapes are the protocol's list messages with a scan list's name.
 */
export interface ScanSnapshotMessage {
  readonly type: 'snapshot';
  readonly list: ScanListName;
  readonly epoch: string;
  readonly seq: number;
  readonly prevSeq: number;
  readonly ts: string;
  readonly rows: ScanRow[];
}

export interface ScanDeltaMessage {
  readonly type: 'delta';
  readonly list: ScanListName;
  readonly epoch: string;
  readonly seq: number;
  readonly prevSeq: number;
  readonly ts: string;
  readonly deltas: Delta[];
}

export type ScanListMessage = ScanSnapshotMessage | ScanDeltaMessage;

/** A scan list's state as stored (its snapshot in the snapshots hash: the rows last sent, seq and epoch). */
export interface StoredScanList {
  readonly epoch: string;
  readonly seq: number;
  readonly rows: readonly ScanRow[];
}

/**
 * The sequences of the scan lists, kept next to the built-in lists' ListSequencer (same rules, SPEC §6: the same
 * deltas as diffList, computed on table rows by diffTableRows). Each list is sequenced on its own: a list first
 * seen (or whose stored state is of another epoch) starts with a snapshot at seq 1; a list restored from its
 * stored snapshot of the current epoch continues at seq + 1. A list no longer evaluated keeps its state here
 * until {@link forget}, so a scan re-added within the grace period resumes its sequence (clients that kept it see
 * a delta, not a reset).
 */
export class ScanListSequencer {
  /**
   * Each list's seq and the rows whose values its clients hold, in list order: diffTableRows' `held`, whose
   * `rank` fields are not kept (a row's rank is its position), so that a row sent by many lists is one object
   * for all; {@link stored} gives them with their ranks.
   */
  private readonly lists = new Map<ScanListName, ListState>();
  /**
   * The table row of each row last sent, in list order (see {@link unchanged}); absent for a list restored from
   * its stored snapshot until it is next published.
   */
  private readonly tableRows = new Map<ScanListName, Int32Array>();
  private readonly scratch = new TableDiffScratch();

  constructor(readonly epoch: string) {}

  has(list: ScanListName): boolean {
    return this.lists.has(list);
  }

  /** Continues `list` from its stored state when it is of this epoch (else it will start with a snapshot). */
  restore(list: ScanListName, stored: StoredScanList | undefined): void {
    if (stored && stored.epoch === this.epoch) {
      this.lists.set(list, { seq: stored.seq, rows: stored.rows });
      this.tableRows.delete(list);
    }
  }

  forget(list: ScanListName): void {
    this.lists.delete(list);
    this.tableRows.delete(list);
  }

  /**
   * True when publishing `list` with the table rows `rows` (in list order) would send nothing: they are the rows
   * it was last published with, in the same order, and none moved materially from the row last sent (read from
   * the columns). Then nothing need be done for it, not even the scoreRank of its rows beyond the top
   * MAX_FILTERED. Exactly diffTableRows' verdict: the same table rows (so symbols) in the same order make no
   * remove, add or rerank, and an update is due only on a material change.
   */
  unchanged(list: ScanListName, rows: Int32Array, tick: TableRowSource): boolean {
    const prev = this.tableRows.get(list);
    const state = this.lists.get(list);
    if (!prev || !state || prev.length !== rows.length) return false;
    for (let k = 0; k < rows.length; k++) if (prev[k] !== rows[k]) return false;
    for (let k = 0; k < rows.length; k++) if (tick.moved(state.rows[k]!, rows[k]!)) return false;
    return true;
  }

  /** The message taking clients of `list` to the table rows `rows` (in list order), or null when nothing changed. */
  publish(list: ScanListName, rows: Int32Array, tick: TableRowSource, ts: string): ScanListMessage | null {
    const prev = this.lists.get(list);
    if (!prev) {
      this.lists.set(list, { seq: 1, rows: Array.from(rows, (row) => tick.base(row)) });
      this.tableRows.set(list, rows.slice());
      const sent = Array.from(rows, (row, k) => tick.at(row, k + 1));
      return { type: 'snapshot', list, epoch: this.epoch, seq: 1, prevSeq: 0, ts, rows: sent };
    }
    const prevTable = this.tableRows.get(list) ?? Int32Array.from(prev.rows, (r) => tick.rowOf(r.symbol));
    const { deltas, held } = diffTableRows(prev, prevTable, rows, tick, this.scratch);
    // Recorded even when nothing is sent: a restored list then takes the unchanged() fast path from now on.
    this.tableRows.set(list, rows.slice());
    if (deltas.length === 0) return null;
    const seq = prev.seq + 1;
    this.lists.set(list, { seq, rows: held });
    return { type: 'delta', list, epoch: this.epoch, seq, prevSeq: prev.seq, ts, deltas };
  }

  /** What `list`'s stored snapshot becomes after its message is published. */
  stored(list: ScanListName): StoredScanList | undefined {
    const s = this.held(list);
    return s && { ...s, rows: atRanks(s.rows) };
  }

  /**
   * The same without the rows' ranks put back: the rows held, shared with other lists, whose `rank` fields need
   * not be their positions (the publisher writes them at their positions: scan-list-snapshots.ts).
   */
  held(list: ScanListName): StoredScanList | undefined {
    const s = this.lists.get(list);
    return s && { epoch: this.epoch, seq: s.seq, rows: s.rows };
  }
}
