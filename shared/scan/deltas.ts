import type {
  Delta,
  DeltaMessage,
  ListMessage,
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
const MATERIAL_FIELDS = Object.keys(MATERIAL_THRESHOLDS) as MaterialField[];

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
  return MATERIAL_FIELDS.some((f) => {
    const a = sent[f];
    const b = row[f];
    if (a === null || b === null) return a !== b;
    return differsBy(a, b, MATERIAL_THRESHOLDS[f]);
  });
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
  for (const key of Object.keys(row) as (keyof ScanRow)[]) {
    if (key === 'symbol' || key === 'rank') continue;
    if (!sameValue(sent[key], row[key])) out[key] = row[key];
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
  publish(list: ListName, rows: readonly ScanRow[], ts: string): ListMessage | null {
    const prev = this.lists.get(list);
    if (!prev) {
      const msg: SnapshotMessage = {
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
    const msg: DeltaMessage = { type: 'delta', list, epoch: this.epoch, seq, prevSeq: prev.seq, ts, deltas };
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
