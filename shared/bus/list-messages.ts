import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import { deltaMessageSchema, snapshotMessageSchema, type ListMessage } from '../protocol/messages.js';
import type { Keys } from './keys.js';

/*
 * The list-messages stream (`keys.messagesStream`): every snapshot and delta the orchestrator publishes, in
 * publication order, one JSON message per entry. Written by the orchestrator's Publisher (inside its one MULTI
 * per scan), read by every gateway with XREAD from the id its bootstrap read (list-snapshots.ts).
 */

/** The one field of an entry: the list message as JSON, forwarded to clients as is. */
export const LIST_MESSAGE_FIELD = 'm';

/*
 * Retention is by TIME, not count (docs/redis-memory.md): the publication rate swings from one scan per
 * SNAPSHOT_INTERVAL_MS to MAX_SCANS_PER_SECOND hot rescans, so a count cap holds hours on a quiet day and minutes
 * on a busy one, and its memory is unknowable in advance. What reads old entries is only a gateway resuming its
 * XREAD from the last id it saw (gateway/list-feed.ts) after a Redis or network hiccup; a restarted gateway
 * bootstraps from the snapshots hash, and one whose next entry does not follow (trimmed away) reloads that list
 * from the hash. So a few minutes cover every reader, and losing them costs a snapshot per list, never data.
 */

/** Default retention of the stream (config MESSAGES_RETENTION_MINUTES). */
export const DEFAULT_STREAM_RETENTION_MINUTES = 5;

/**
 * Default count backstop (config MESSAGES_STREAM_MAXLEN), trimmed whatever the entries' age: it bounds the
 * stream's bytes (≈ 0.3 GB at a busy market's 10.7 KB an entry, docs/redis-memory.md) whatever the retention is
 * set to. At the defaults the retention trims long before it: 5 minutes at the scan cap (11 lists × 4 scans a
 * second) is ≈ 13K entries; it leaves ≈ 11 minutes at that cap.
 */
export const DEFAULT_STREAM_MAXLEN = 30_000;

/** How the stream is trimmed: by age, with a count backstop. */
export interface StreamTrim {
  /** Entries older than this (by their id, i.e. Redis's clock at XADD) are trimmed, approximately. */
  readonly retentionMs: number;
  /** At most ≈ this many entries, whatever their age. */
  readonly maxLen: number;
}

export const DEFAULT_STREAM_TRIM: StreamTrim = {
  retentionMs: DEFAULT_STREAM_RETENTION_MINUTES * 60_000,
  maxLen: DEFAULT_STREAM_MAXLEN,
};

export const listMessageSchema = z.discriminatedUnion('type', [snapshotMessageSchema, deltaMessageSchema]);

/** A stored message (or stored snapshot) that does not parse: logged and skipped by readers. */
export class BadListMessage extends Error {
  override readonly name = 'BadListMessage';
}

/** One stream entry as read: the message with its JSON text, or why it could not be read. */
export type ListMessageEntry =
  | { readonly id: string; readonly ok: true; readonly message: ListMessage; readonly json: string }
  | { readonly id: string; readonly ok: false; readonly error: BadListMessage };

/**
 * Queues the append of `message` on `multi` (the caller's MULTI, so it lands with the rest of the scan),
 * trimming entries older than `minIdMs` (epoch ms; `MINID ~`, Redis ≥ 6.2). `~` lets Redis drop whole
 * macro-nodes only (≤ 100 entries each by default), which is far cheaper than an exact trim: the stream keeps
 * at most one node of entries past the retention.
 */
export function appendListMessage(
  multi: ChainableCommander,
  keys: Keys,
  message: ListMessage,
  minIdMs: number,
): void {
  multi.xadd(
    keys.messagesStream,
    'MINID',
    '~',
    Math.max(0, Math.floor(minIdMs)),
    '*',
    LIST_MESSAGE_FIELD,
    JSON.stringify(message),
  );
}

/**
 * Queues the count backstop (`XTRIM MAXLEN ~`) on `multi`. XADD takes one trim strategy, so the backstop is its
 * own command, once per publication: cheap (a length check) while the stream is under it.
 */
export function capListMessages(multi: ChainableCommander, keys: Keys, maxLen: number): void {
  multi.xtrim(keys.messagesStream, 'MAXLEN', '~', maxLen);
}

/** Queues the append of a scan's `messages` and the stream's trimming (`trim`, as of wall clock `nowMs`). */
export function appendListMessages(
  multi: ChainableCommander,
  keys: Keys,
  messages: readonly ListMessage[],
  trim: StreamTrim,
  nowMs: number,
): void {
  if (messages.length === 0) return;
  for (const m of messages) appendListMessage(multi, keys, m, nowMs - trim.retentionMs);
  capListMessages(multi, keys, trim.maxLen);
}

/** Decodes one entry's fields (as XREAD/XRANGE return them). */
export function parseListMessageEntry(id: string, fields: readonly string[]): ListMessageEntry {
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === LIST_MESSAGE_FIELD) json = fields[i + 1];
  if (json === undefined)
    return { id, ok: false, error: new BadListMessage(`entry without field ${LIST_MESSAGE_FIELD}`) };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { id, ok: false, error: new BadListMessage('entry is not JSON', { cause: err }) };
  }
  const r = listMessageSchema.safeParse(value);
  if (!r.success)
    return { id, ok: false, error: new BadListMessage(r.error.issues[0]?.message ?? 'invalid') };
  return { id, ok: true, message: r.data, json };
}

export interface ReadListMessagesOptions {
  /** Entries per read. */
  readonly count: number;
  /** XREAD BLOCK timeout, ms; omitted: no blocking. */
  readonly blockMs?: number;
}

/**
 * The entries after `afterId`, in stream order (empty when a block timed out). Bad entries are returned as such,
 * with their id, so the reader moves past them and decides how to report them.
 */
export async function readListMessages(
  conn: Redis,
  keys: Keys,
  afterId: string,
  o: ReadListMessagesOptions,
): Promise<ListMessageEntry[]> {
  return (await xreadEntries(conn, keys, afterId, o)).map(([id, fields]) =>
    parseListMessageEntry(id, fields),
  );
}

/** An entry of a list the reader does not follow: only its id, to move past it. */
export interface SkippedListMessage {
  readonly id: string;
  readonly ok: 'skipped';
}

/** A message's list, read off its first members as the Publisher writes them; undefined if they differ. */
const LIST_PREFIX = /^\{"type":"(?:snapshot|delta)","list":"([^"]+)"/;

/**
 * As readListMessages, but an entry of a list `wanted` refuses is not parsed: a gateway follows the 11 lists and
 * only the scan lists its clients follow, of up to SCANS_MAX (at 1,000 scans in a moving market ≈ 590 scan-list
 * messages a tick, whose JSON.parse and schema check would otherwise be its main work).
 */
export async function readFollowedListMessages(
  conn: Redis,
  keys: Keys,
  afterId: string,
  o: ReadListMessagesOptions,
  wanted: (list: string) => boolean,
): Promise<(ListMessageEntry | SkippedListMessage)[]> {
  return (await xreadEntries(conn, keys, afterId, o)).map(([id, fields]) => {
    const i = fields.indexOf(LIST_MESSAGE_FIELD);
    const list = i >= 0 && i % 2 === 0 ? LIST_PREFIX.exec(fields[i + 1] ?? '')?.[1] : undefined;
    return list !== undefined && !wanted(list) ? { id, ok: 'skipped' } : parseListMessageEntry(id, fields);
  });
}

async function xreadEntries(
  conn: Redis,
  keys: Keys,
  afterId: string,
  { count, blockMs }: ReadListMessagesOptions,
): Promise<[string, string[]][]> {
  const reply =
    blockMs === undefined
      ? await conn.xread('COUNT', count, 'STREAMS', keys.messagesStream, afterId)
      : await conn.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', keys.messagesStream, afterId);
  return reply?.[0]?.[1] ?? [];
}
