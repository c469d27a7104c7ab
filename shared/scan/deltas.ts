import type { Delta, DeltaMessage, ListMessage, ScanRow, SnapshotMessage } from '../protocol/messages.js';
import { differsBy } from './decimal.js';
import { LIST_NAMES, type ListName } from './lists.js';

/**
 * Deltas and sequence numbers (SPEC §6).
 *
 * Each list remembers what its clients have: the symbols in rank order and, per symbol, the material fields
 * of the row last *sent* (in a snapshot, an add or an update). An update is due when the new row differs
 * from that sent row by more than a threshold, so slow drifts accumulate until they are sent instead of
 * being compared away scan after scan.
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
  /** Symbols in list order as last published. */
  readonly symbols: readonly string[];
  /** Material fields of the row last sent, per symbol in the list. */
  readonly sent: Readonly<Record<string, SentFields>>;
}

export interface SequencerState {
  readonly epoch: string;
  readonly lists: Readonly<Record<ListName, ListState>>;
}

function sentFields(row: ScanRow): SentFields {
  return { price: row.price, volumeToday: row.volumeToday, changePercent: row.changePercent, rvol: row.rvol };
}

/** true when `row` moved materially away from what was last sent. */
export function isMaterialChange(sent: SentFields, row: ScanRow): boolean {
  const now = sentFields(row);
  return MATERIAL_FIELDS.some((f) => {
    const a = sent[f];
    const b = now[f];
    if (a === null || b === null) return a !== b;
    return differsBy(a, b, MATERIAL_THRESHOLDS[f]);
  });
}

/**
 * The deltas taking `prev` to `rows` (rows in list order, `rank` = list position). Removes come first (in
 * old rank order), then adds, reranks and updates in new rank order.
 */
export function diffList(
  prev: ListState,
  rows: readonly ScanRow[],
): { deltas: Delta[]; sent: Record<string, SentFields> } {
  const oldRank = new Map(prev.symbols.map((s, i) => [s, i + 1]));
  const next = new Set(rows.map((r) => r.symbol));
  const sent: Record<string, SentFields> = {};
  const deltas: Delta[] = [];
  for (const symbol of prev.symbols) if (!next.has(symbol)) deltas.push({ action: 'remove', symbol });
  rows.forEach((row, k) => {
    const rank = k + 1;
    const { symbol } = row;
    const was = oldRank.get(symbol);
    const lastSent = prev.sent[symbol];
    if (was === undefined || lastSent === undefined) {
      deltas.push({ action: 'add', symbol, rank, row });
      sent[symbol] = sentFields(row);
      return;
    }
    if (was !== rank) deltas.push({ action: 'rerank', symbol, oldRank: was, newRank: rank });
    if (isMaterialChange(lastSent, row)) {
      deltas.push({ action: 'update', symbol, rank, row });
      sent[symbol] = sentFields(row);
    } else {
      sent[symbol] = lastSent;
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
      this.lists.set(list, {
        seq: 1,
        symbols: rows.map((r) => r.symbol),
        sent: Object.fromEntries(rows.map((r) => [r.symbol, sentFields(r)])),
      });
      return msg;
    }
    const { deltas, sent } = diffList(prev, rows);
    if (deltas.length === 0) return null;
    const seq = prev.seq + 1;
    this.lists.set(list, { seq, symbols: rows.map((r) => r.symbol), sent });
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
