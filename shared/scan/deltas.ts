import type {
  BuiltInListMessage,
  Delta,
  DeltaMessage,
  RowFields,
  ScanRow,
  SnapshotMessage,
} from '../protocol/messages.js';
import { differsBy } from './decimal.js';
import { LIST_NAMES, type ListName } from './lists.js';

/**
 * Deltas and sequence numbers (SPEC §6).
 *
 * Each list remembers what its clients hold: the row last *sent* for each symbol (in a snapshot, an add, or
 * an update merged into the row before it), in list order. An update is due when the new row differs from
 * that sent row by more than a materiality threshold, so slow drifts accumulate until they are sent instead of
 * being compared away scan after scan; it then carries only the fields whose value differs from the sent row
 * (any difference), and the merged row — the new row itself — becomes the row last sent.
 *
 * The state is plain JSON so the orchestrator can keep it in Redis and continue the sequence after a restart.
 */

/** The four fields whose change makes a row worth re-sending, and the threshold of each. */
export const MATERIAL_THRESHOLDS = {
  price: 0.01,
  volumeToday: 1000,
  changePercent: 0.01,
  rvol: 0.05,
} as const;
type MaterialField = keyof typeof MATERIAL_THRESHOLDS;

export type SentFields = Readonly<Record<MaterialField, number | null>>;

export interface ListState {
  readonly seq: number;
  /** The rows last sent, in list order (`rank` = position): exactly what a client following the list holds. */
  readonly rows: readonly ScanRow[];
}

export interface SequencerState {
  readonly epoch: string;
  readonly lists: Readonly<Record<ListName, ListState>>;
}

/** true when `row` moved materially away from what was last sent. */
export function isMaterialChange(sent: SentFields, row: SentFields | ScanRow): boolean {
  return materialFieldsMoved(sent, row.price, row.volumeToday, row.changePercent, row.rvol);
}

/**
 * isMaterialChange against the four values themselves: the scan lists' diff reads them from the columns, so that
 * no row is built for a row that will not be sent. Written out (no closure, no
 * array) because it runs once per listed row per list per tick: ≈ 20,000 times at 1,000 scans.
 */
export function materialFieldsMoved(
  sent: SentFields,
  price: number | null,
  volumeToday: number | null,
  changePercent: number | null,
  rvol: number | null,
): boolean {
  return (
    moved(sent.price, price, MATERIAL_THRESHOLDS.price) ||
    moved(sent.volumeToday, volumeToday, MATERIAL_THRESHOLDS.volumeToday) ||
    moved(sent.changePercent, changePercent, MATERIAL_THRESHOLDS.changePercent) ||
    moved(sent.rvol, rvol, MATERIAL_THRESHOLDS.rvol)
  );
}

function moved(a: number | null, b: number | null, threshold: number): boolean {
  if (a === null || b === null) return a !== b;
  return differsBy(a, b, threshold);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // filtersMatched is the only array field; compared by value so an equal list is not re-sent.
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The fields of `row` whose value differs from `sent` (SPEC §6: any difference). `symbol` is the update's key
 * and `rank` its own field (a row's rank is its list position, which reranks and updates carry), so neither is
 * repeated here.
 */
export function changedFields(sent: ScanRow, row: ScanRow): RowFields {
  const out: Record<string, unknown> = {};
  // for…in rather than Object.keys: the same keys in the same order for a plain row (no inherited enumerable
  // keys), without a 47-element array per call; ≈ 1.8× faster measured on the bench market's rows.
  for (const key in row) {
    if (key === 'symbol' || key === 'rank') continue;
    const value = row[key as keyof ScanRow];
    if (!sameValue(sent[key as keyof ScanRow], value)) out[key] = value;
  }
  return out;
}

const atRank = (row: ScanRow, rank: number): ScanRow => (row.rank === rank ? row : { ...row, rank });

/**
 * The deltas taking `prev` to `rows` (rows in list order, `rank` = list position), and the rows then held by a
 * client that applied them. Removes come first (in old rank order), then adds, reranks and updates in new rank
 * order.
 */
export function diffList(prev: ListState, rows: readonly ScanRow[]): { deltas: Delta[]; sent: ScanRow[] } {
  const before = new Map(prev.rows.map((r, i) => [r.symbol, { rank: i + 1, row: r }]));
  const next = new Set(rows.map((r) => r.symbol));
  const sent: ScanRow[] = [];
  const deltas: Delta[] = [];
  for (const { symbol } of prev.rows) if (!next.has(symbol)) deltas.push({ action: 'remove', symbol });
  rows.forEach((row, k) => {
    const rank = k + 1;
    const { symbol } = row;
    const was = before.get(symbol);
    if (was === undefined) {
      deltas.push({ action: 'add', symbol, rank, row });
      sent.push(atRank(row, rank));
      return;
    }
    if (was.rank !== rank) deltas.push({ action: 'rerank', symbol, oldRank: was.rank, newRank: rank });
    if (isMaterialChange(was.row, row)) {
      // Not empty: a material field differs.
      deltas.push({ action: 'update', symbol, rank, fields: changedFields(was.row, row) });
      sent.push(atRank(row, rank));
    } else {
      sent.push(atRank(was.row, rank));
    }
  });
  return { deltas, sent };
}

/**
 * What {@link diffTableRows} needs of a tick's rows (TickRows): rows built only when sent, material moves and
 * update fields computed from the table.
 */
export interface TableRowSource {
  /** The table's row count (every table row is below it). */
  readonly size: number;
  symbol(row: number): string;
  /** The table row of `symbol`, -1 when the table has none. */
  rowOf(symbol: string): number;
  /** `row`'s client row at list position `rank`. */
  at(row: number, rank: number): ScanRow;
  /** `row`'s client row at whatever rank it was built with (one object per ticker and tick). */
  base(row: number): ScanRow;
  /** isMaterialChange(sent, the row of `row`), without building it. */
  moved(sent: ScanRow, row: number): boolean;
  /** changedFields(sent, the row of `row`). */
  changed(sent: ScanRow, row: number): RowFields;
}

/** diffTableRows' buffers, kept between lists and ticks: nothing is allocated per list but the deltas. */
export class TableDiffScratch {
  /** The previous position of each table row in the list being diffed, -1 when not in it. */
  private positions = new Int32Array(0);
  private matches = new Int32Array(0);
  private kept = new Uint8Array(0);

  /** positions (all -1) for `size` table rows, matches for `n` rows and kept (all 0) for `m` previous rows. */
  buffers(
    size: number,
    n: number,
    m: number,
  ): { positions: Int32Array; matches: Int32Array; kept: Uint8Array } {
    if (this.positions.length < size)
      this.positions = new Int32Array(Math.max(size, 2 * this.positions.length)).fill(-1);
    if (this.matches.length < n) this.matches = new Int32Array(Math.max(n, 2 * this.matches.length));
    if (this.kept.length < m) this.kept = new Uint8Array(Math.max(m, 2 * this.kept.length));
    this.kept.fill(0, 0, m);
    return { positions: this.positions, matches: this.matches, kept: this.kept };
  }
}

/**
 * {@link diffList} for a list given as table rows (`rows`, in list order) against `prev`, whose rows sat at the
 * table rows `prevTable` (-1: a row the table does not hold). The same deltas in the same order; but a row is
 * built only when it is sent (an add, an update), symbols are matched through the table rows (a table row is one
 * symbol for the table's life) and the material test reads the columns.
 *
 * `held` is diffList's `sent` but for the ranks: each row's values as last sent, whose `rank` is NOT kept equal to
 * its position (the position is the rank). So a row sent by many lists is one object (`base`), not one per rank,
 * and a kept row is not copied when its rank moves; {@link atRanks} gives the rows with their ranks when asked.
 */
export function diffTableRows(
  prev: ListState,
  prevTable: Int32Array,
  rows: Int32Array,
  src: TableRowSource,
  scratch: TableDiffScratch,
): { deltas: Delta[]; held: ScanRow[] } {
  const last = prev.rows;
  const m = last.length;
  const n = rows.length;
  const { positions, matches, kept } = scratch.buffers(src.size, n, m);
  for (let j = 0; j < m; j++) if (prevTable[j]! >= 0) positions[prevTable[j]!] = j;
  for (let k = 0; k < n; k++) {
    const j = positions[rows[k]!]!;
    matches[k] = j;
    if (j >= 0) kept[j] = 1;
  }
  for (let j = 0; j < m; j++) if (prevTable[j]! >= 0) positions[prevTable[j]!] = -1;

  const deltas: Delta[] = [];
  const held: ScanRow[] = [];
  for (let j = 0; j < m; j++) if (kept[j] === 0) deltas.push({ action: 'remove', symbol: last[j]!.symbol });
  for (let k = 0; k < n; k++) {
    const rank = k + 1;
    const row = rows[k]!;
    const j = matches[k]!;
    if (j < 0) {
      const added = src.at(row, rank);
      deltas.push({ action: 'add', symbol: added.symbol, rank, row: added });
      held.push(src.base(row));
      continue;
    }
    const symbol = src.symbol(row);
    if (j + 1 !== rank) deltas.push({ action: 'rerank', symbol, oldRank: j + 1, newRank: rank });
    const was = last[j]!;
    if (src.moved(was, row)) {
      deltas.push({ action: 'update', symbol, rank, fields: src.changed(was, row) });
      held.push(src.base(row));
    } else {
      held.push(was);
    }
  }
  return { deltas, held };
}

/** `held` rows with their ranks (rank = position), copying only those whose `rank` differs. */
export function atRanks(held: readonly ScanRow[]): ScanRow[] {
  return held.map((r, i) => atRank(r, i + 1));
}

/**
 * Sequences every list's messages within an epoch. Without a (complete) previous state it starts a new epoch
 * at seq 1 and publishes every list as a snapshot; clients treat an epoch change as a resync.
 */
export class ListSequencer {
  private readonly lists = new Map<ListName, ListState>();
  readonly epoch: string;

  constructor(newEpoch: () => string, restored?: SequencerState | null) {
    const complete = restored && LIST_NAMES.every((l) => restored.lists[l] !== undefined);
    if (complete) {
      this.epoch = restored.epoch;
      for (const l of LIST_NAMES) this.lists.set(l, restored.lists[l]);
    } else {
      this.epoch = newEpoch();
    }
  }

  /** The message taking clients of `list` to `rows`, or null when nothing changed. */
  publish(list: ListName, rows: readonly ScanRow[], ts: string): BuiltInListMessage | null {
    const prev = this.lists.get(list);
    if (!prev) {
      const msg: SnapshotMessage & { list: ListName } = {
        type: 'snapshot',
        list,
        epoch: this.epoch,
        seq: 1,
        prevSeq: 0,
        ts,
        rows: [...rows],
      };
      this.lists.set(list, { seq: 1, rows: rows.map((r, i) => atRank(r, i + 1)) });
      return msg;
    }
    const { deltas, sent } = diffList(prev, rows);
    if (deltas.length === 0) return null;
    const seq = prev.seq + 1;
    this.lists.set(list, { seq, rows: sent });
    const msg: DeltaMessage & { list: ListName } = {
      type: 'delta',
      list,
      epoch: this.epoch,
      seq,
      prevSeq: prev.seq,
      ts,
      deltas,
    };
    return msg;
  }

  /** The state to persist after a scan's messages are published (JSON-serialisable). */
  state(): SequencerState | null {
    if (!LIST_NAMES.every((l) => this.lists.has(l))) return null;
    return {
      epoch: this.epoch,
      lists: Object.fromEntries(LIST_NAMES.map((l) => [l, this.lists.get(l)!])) as Record<
        ListName,
        ListState
      >,
    };
  }
}
