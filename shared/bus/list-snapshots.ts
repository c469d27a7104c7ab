import type { ChainableCommander, Redis } from 'ioredis';
import { snapshotMessageSchema, type AnyListName, type SnapshotMessage } from '../protocol/messages.js';
import { LIST_NAMES, type ListName } from '../scan/lists.js';
import type { Keys } from './keys.js';
import { BadListMessage } from './list-messages.js';

/*
 * The list snapshots hash (`keys.listSnapshots`, one field per list: `keys.listField(list)`): each list's current
 * snapshot message as JSON. Written by the orchestrator's Publisher in the same MULTI as the stream entries
 * (list-messages.ts), so the hash and the stream always agree; read by gateways at start (with the stream's last
 * id, in one MULTI) and when a list's messages stop following, and by the terminal view of `npm start`.
 */

/** A stored snapshot as read: the message with its JSON text (served as is), or why it could not be read. */
export type StoredSnapshot =
  | { readonly ok: true; readonly msg: SnapshotMessage; readonly json: string }
  | { readonly ok: false; readonly error: BadListMessage };

/** Every list's stored snapshot; a list never published is absent. */
export type StoredSnapshots = Partial<Record<ListName, StoredSnapshot>>;

/** Queues the write of `snapshot` as its list's current snapshot on `multi` (the caller's MULTI). */
export function putListSnapshot(multi: ChainableCommander, keys: Keys, snapshot: SnapshotMessage): void {
  multi.hset(keys.listSnapshots, keys.listField(snapshot.list), JSON.stringify(snapshot));
}

/** Parses `list`'s stored snapshot text; a snapshot of another list counts as bad. */
export function parseListSnapshot(list: AnyListName, text: string): StoredSnapshot {
  const invalid = (cause?: unknown): StoredSnapshot => ({
    ok: false,
    error: new BadListMessage(`stored snapshot of ${list} is invalid`, { cause }),
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return invalid(err);
  }
  const r = snapshotMessageSchema.safeParse(value);
  if (!r.success) return invalid(r.error);
  if (r.data.list !== list) return invalid();
  return { ok: true, msg: r.data, json: text };
}

/*
 * The built-in lists are read by field (HMGET), not with the whole hash: the same hash holds the scan lists'
 * snapshots (scan-list-snapshots.ts), up to SCANS_MAX of them, which a reader of the 11 lists must not pull.
 */
const builtInFields = (keys: Keys): string[] => LIST_NAMES.map((l) => keys.listField(l));

function parseAll(texts: readonly (string | null)[]): StoredSnapshots {
  const out: StoredSnapshots = {};
  LIST_NAMES.forEach((l, i) => {
    const text = texts[i];
    if (text != null) out[l] = parseListSnapshot(l, text);
  });
  return out;
}

/** Every built-in list's stored snapshot. */
export async function readListSnapshots(redis: Redis, keys: Keys): Promise<StoredSnapshots> {
  return parseAll(await redis.hmget(keys.listSnapshots, ...builtInFields(keys)));
}

/**
 * Every list's stored snapshot and the id of the messages stream's last entry (`0-0` when empty), read in one
 * MULTI: since the Publisher writes both in one MULTI too, reading the stream after that id loses nothing and
 * repeats nothing.
 */
export async function readListSnapshotsAndLastId(
  redis: Redis,
  keys: Keys,
): Promise<{ snapshots: StoredSnapshots; lastMessageId: string }> {
  const results = await redis
    .multi()
    .hmget(keys.listSnapshots, ...builtInFields(keys))
    .xrevrange(keys.messagesStream, '+', '-', 'COUNT', 1)
    .exec();
  if (!results) throw new Error('snapshot bootstrap MULTI aborted');
  const [[hErr, texts], [xErr, last]] = results as [
    [Error | null, (string | null)[]],
    [Error | null, [string, string[]][]],
  ];
  const failed = hErr ?? xErr;
  if (failed) throw failed;
  return { snapshots: parseAll(texts), lastMessageId: last[0]?.[0] ?? '0-0' };
}

/** One list's stored snapshot, or undefined when it was never published. */
export async function readListSnapshot(
  redis: Redis,
  keys: Keys,
  list: AnyListName,
): Promise<StoredSnapshot | undefined> {
  const text = await redis.hget(keys.listSnapshots, keys.listField(list));
  return text === null ? undefined : parseListSnapshot(list, text);
}

/**
 * The newest `ts` among the stored snapshots (epoch ms), or undefined when none is readable: the last instant a
 * client was shown, which a restarted simulator must not go back before within the epoch.
 */
export async function newestPublishedTs(redis: Redis, keys: Keys): Promise<number | undefined> {
  let newest: number | undefined;
  for (const stored of Object.values(await readListSnapshots(redis, keys))) {
    const ms = stored.ok ? Date.parse(stored.msg.ts) : NaN;
    if (Number.isFinite(ms) && (newest === undefined || ms > newest)) newest = ms;
  }
  return newest;
}
