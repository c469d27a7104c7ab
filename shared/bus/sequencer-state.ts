import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { ListState, SequencerState } from '../scan/deltas.js';
import { LIST_NAMES, type ListName } from '../scan/lists.js';
import type { Keys } from './keys.js';
import { parseListSnapshot, putListSnapshot } from './list-snapshots.js';

/*
 * The sequencer state (SPEC §6): the epoch, each list's seq, and the rows last sent for each list. Its only
 * writer and reader is the orchestrator: written in each publish MULTI (so it always matches the last messages
 * published) and read back at start and after a failed publish, so a restarted orchestrator resumes every list
 * at seq + 1 with no gap.
 *
 * It is stored in two places, without repeating the rows: the key `keys.sequencerState` holds the epoch and the
 * seqs (a few hundred bytes), and the rows last sent for a list are that list's stored snapshot in the snapshots
 * hash (list-snapshots.ts), which the same MULTI writes for every list that has a message — and a list without a
 * message keeps its rows. (The rows as JSON are ≈ 170 KB for 11 lists × 20 rows; written twice per scan they
 * doubled the MULTI.) At load, each list's snapshot must be of the key's epoch and seq; anything else is an
 * unknown state.
 */

/** The stored format's version: a state of another format (the first one kept 4 fields per symbol) is unknown. */
const FORMAT = 2;

const storedSchema = z.object({
  format: z.literal(FORMAT),
  epoch: z.string().min(1),
  seqs: z.object(
    Object.fromEntries(LIST_NAMES.map((l) => [l, z.number().int().positive()])) as Record<
      ListName,
      z.ZodNumber
    >,
  ),
});

/**
 * Queues the write of `state` on `multi` (the publish MULTI, after the messages it describes): the key, and the
 * snapshot of each list in `changed` (those with a message in this scan; the others' stored rows still hold).
 */
export function putSequencerState(
  multi: ChainableCommander,
  keys: Keys,
  state: SequencerState,
  changed: Iterable<ListName>,
  ts: string,
): void {
  for (const list of new Set(changed)) {
    const { seq, rows } = state.lists[list];
    putListSnapshot(multi, keys, {
      type: 'snapshot',
      list,
      epoch: state.epoch,
      seq,
      prevSeq: seq - 1,
      ts,
      rows: [...rows],
    });
  }
  const seqs = Object.fromEntries(LIST_NAMES.map((l) => [l, state.lists[l].seq]));
  multi.set(keys.sequencerState, JSON.stringify({ format: FORMAT, epoch: state.epoch, seqs }));
}

/**
 * The sequencer state a previous run published, or null when there is none, it is unreadable, of an older
 * format, or its snapshots do not match it — the caller then starts a new epoch with snapshots, which clients
 * treat as a resync.
 */
export async function loadSequencerState(
  redis: Redis,
  keys: Keys,
  logger?: Logger,
): Promise<SequencerState | null> {
  // HMGET of the 11 lists only: the hash also holds the scan lists' snapshots (scan-list-snapshots.ts).
  const fields = LIST_NAMES.map((l) => keys.listField(l));
  const results = await redis
    .multi()
    .get(keys.sequencerState)
    .hmget(keys.listSnapshots, ...fields)
    .exec();
  if (!results) throw new Error('sequencer state MULTI aborted');
  const [[kErr, text], [hErr, texts]] = results as [
    [Error | null, string | null],
    [Error | null, (string | null)[]],
  ];
  const failed = kErr ?? hErr;
  if (failed) throw failed;
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    logger?.error({ err }, 'stored sequencer state is not JSON; starting a new epoch');
    return null;
  }
  const r = storedSchema.safeParse(value);
  if (!r.success) {
    const format = (value as { format?: unknown } | null)?.format;
    if (format !== FORMAT)
      logger?.warn({ format }, 'stored sequencer state is of an older format; starting a new epoch');
    else
      logger?.error(
        { issues: r.error.issues.slice(0, 3) },
        'stored sequencer state is invalid; starting a new epoch',
      );
    return null;
  }
  const { epoch, seqs } = r.data;
  const lists = {} as Record<ListName, ListState>;
  for (const [i, list] of LIST_NAMES.entries()) {
    const text = texts[i];
    const stored = text == null ? undefined : parseListSnapshot(list, text);
    if (!stored?.ok || stored.msg.epoch !== epoch || stored.msg.seq !== seqs[list]) {
      logger?.error(
        {
          list,
          seq: seqs[list],
          snapshot: stored?.ok ? { epoch: stored.msg.epoch, seq: stored.msg.seq } : null,
        },
        "a list's stored snapshot does not match the sequencer state; starting a new epoch",
      );
      return null;
    }
    lists[list] = { seq: seqs[list], rows: stored.msg.rows };
  }
  return { epoch, lists };
}
