import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import { snapshotMessageSchema, type ScanRow } from '../protocol/messages.js';
import type { ScanListName } from '../scan/scan-list-names.js';
import type { StoredScanList } from '../scan/scan-list-sequencer.js';
import type { Keys } from './keys.js';

/*
 * The scan lists' stored snapshots (SPEC §13, §6): in the same hash as the built-in lists' (list-snapshots.ts),
 * one field per scan list (`scan:<key>`), holding the snapshot message of the rows last sent. It is the scan
 * list's whole sequencer state — epoch, seq and rows — written in the publish MULTI for each scan list that has a
 * message, so a restarted orchestrator continues every scan list at seq + 1 (the built-in lists' seqs are in their
 * own key, sequencer-state.ts, which this leaves alone).
 */

/**
 * Row JSON for one publish: at 1,000 scan lists in a moving market every changed list's whole snapshot is written
 * each tick (≈ 20,000 rows, 36 MB of JSON), but those rows are ≈ 4,200 distinct objects shared by the lists
 * (tick-rows.ts). Each object is serialised once; a list's row at its position is that text with the rank spliced
 * in (`symbol` and `rank` are a row's first two members, scanRowSchema's order).
 */
export class RowJson {
  private readonly tails = new Map<ScanRow, string>();

  /** `JSON.stringify({ ...row, rank })`, the row's members after `rank` serialised once per object. */
  at(row: ScanRow, rank: number): string {
    let tail = this.tails.get(row);
    if (tail === undefined) {
      const full = JSON.stringify(row);
      tail = full.slice(full.indexOf(',', full.indexOf('"rank":')));
      this.tails.set(row, tail);
    }
    return `{"symbol":${JSON.stringify(row.symbol)},"rank":${rank}${tail}`;
  }
}

/**
 * Queues the write of `list`'s snapshot (the rows last sent after this tick's message, in list order; their `rank`
 * fields need not be their positions, the snapshot ranks them 1, 2, …) on the publish MULTI. The text is
 * exactly `JSON.stringify` of the snapshot message.
 */
export function putScanListSnapshot(
  multi: ChainableCommander,
  keys: Keys,
  list: ScanListName,
  state: StoredScanList,
  ts: string,
  rowJson: RowJson = new RowJson(),
): void {
  const { epoch, seq, rows } = state;
  const head = JSON.stringify({ type: 'snapshot', list, epoch, seq, prevSeq: seq - 1, ts });
  const body = rows.map((r, i) => rowJson.at(r, i + 1)).join(',');
  multi.hset(keys.listSnapshots, list, `${head.slice(0, -1)},"rows":[${body}]}`);
}

/** Queues the removal of scan lists no longer evaluated (after their grace period). */
export function deleteScanListSnapshots(
  multi: ChainableCommander,
  keys: Keys,
  lists: readonly ScanListName[],
): void {
  if (lists.length) multi.hdel(keys.listSnapshots, ...lists);
}

const storedSchema = snapshotMessageSchema.omit({ list: true }).extend({ list: z.string() });

/** The stored state of each of `lists` that has a readable snapshot (an unreadable one is as good as none). */
export async function readScanListSnapshots(
  redis: Redis,
  keys: Keys,
  lists: readonly ScanListName[],
): Promise<Map<ScanListName, StoredScanList>> {
  const out = new Map<ScanListName, StoredScanList>();
  if (lists.length === 0) return out;
  const texts = await redis.hmget(keys.listSnapshots, ...lists);
  lists.forEach((list, i) => {
    const text = texts[i];
    if (text == null) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    const r = storedSchema.safeParse(value);
    if (r.success && r.data.list === list)
      out.set(list, { epoch: r.data.epoch, seq: r.data.seq, rows: r.data.rows });
  });
  return out;
}

/** Every scan list with a stored snapshot (at start: those no longer registered begin their grace period). */
export async function storedScanLists(redis: Redis, keys: Keys): Promise<ScanListName[]> {
  return (await redis.hkeys(keys.listSnapshots)).filter((f): f is ScanListName => f.startsWith('scan:'));
}
