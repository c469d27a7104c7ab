import type { ListMessage, ScanRow, SnapshotMessage } from './messages.js';

/**
 * What the gateway holds for a list after `msg`:
 * - a snapshot (the message itself, or `held` advanced by the delta: adds' rows, updates' fields merged into
 *   the rows held, new ranks),
 * - `'stale'` when `msg` is already covered by `held` (same epoch, seq not newer),
 * - `'gap'` when `msg` cannot be applied (no snapshot, other epoch, missing seqs, inconsistent ranks, an update
 *   or rerank of a symbol not held): the caller reloads the list's snapshot from Redis.
 *
 * Rows advanced by deltas are the rows last sent for each symbol (an update's fields merged into the row before
 * it), which (SPEC §6) differ from the orchestrator's current rows only below the materiality thresholds —
 * exactly what a client following the deltas holds and what the orchestrator stores as the list's snapshot, so
 * a new subscriber and an old one see the same list.
 */
export function advanceSnapshot(
  held: SnapshotMessage | undefined,
  msg: ListMessage,
): SnapshotMessage | 'stale' | 'gap' {
  if (held && held.epoch === msg.epoch && msg.seq <= held.seq) return 'stale';
  if (msg.type === 'snapshot') return msg;
  if (!held || held.epoch !== msg.epoch || msg.prevSeq !== held.seq) return 'gap';

  const removed = new Set(msg.deltas.filter((d) => d.action === 'remove').map((d) => d.symbol));
  const entries = new Map<string, { rank: number; row: ScanRow }>();
  held.rows.forEach((row, i) => removed.has(row.symbol) || entries.set(row.symbol, { rank: i + 1, row }));
  for (const d of msg.deltas) {
    if (d.action === 'add') entries.set(d.symbol, { rank: d.rank, row: d.row });
    else if (d.action === 'update') {
      // Only the fields that changed (SPEC §6): merged into the row held, which must be there.
      const e = entries.get(d.symbol);
      if (!e) return 'gap';
      entries.set(d.symbol, { rank: d.rank, row: { ...e.row, ...d.fields } });
    } else if (d.action === 'rerank') {
      const e = entries.get(d.symbol);
      if (!e) return 'gap';
      e.rank = d.newRank;
    }
  }
  const ordered = [...entries.values()].sort((a, b) => a.rank - b.rank);
  if (ordered.some((e, i) => e.rank !== i + 1)) return 'gap';
  return {
    type: 'snapshot',
    list: msg.list,
    epoch: msg.epoch,
    seq: msg.seq,
    prevSeq: msg.prevSeq,
    ts: msg.ts,
    rows: ordered.map((e, i) => (e.row.rank === i + 1 ? e.row : { ...e.row, rank: i + 1 })),
  };
}
