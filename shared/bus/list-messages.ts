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

/**
 * Default `MAXLEN ~` of the stream (config MESSAGES_STREAM_MAXLEN): at ≈ 11 messages per scan every 5 s plus hot
 * rescans, 100K entries hold well over an hour of history for gateways catching up; a gateway further behind
 * resyncs from the snapshots hash.
 */
export const DEFAULT_STREAM_MAXLEN = 100_000;

export const listMessageSchema = z.discriminatedUnion('type', [snapshotMessageSchema, deltaMessageSchema]);

/** A stored message (or stored snapshot) that does not parse: logged and skipped by readers. */
export class BadListMessage extends Error {
  override readonly name = 'BadListMessage';
}

/** One stream entry as read: the message with its JSON text, or why it could not be read. */
export type ListMessageEntry =
  | { readonly id: string; readonly ok: true; readonly message: ListMessage; readonly json: string }
  | { readonly id: string; readonly ok: false; readonly error: BadListMessage };

/** Queues the append of `message` on `multi` (the caller's MULTI, so it lands with the rest of the scan). */
export function appendListMessage(
  multi: ChainableCommander,
  keys: Keys,
  message: ListMessage,
  maxLen: number = DEFAULT_STREAM_MAXLEN,
): void {
  multi.xadd(keys.messagesStream, 'MAXLEN', '~', maxLen, '*', LIST_MESSAGE_FIELD, JSON.stringify(message));
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
  { count, blockMs }: ReadListMessagesOptions,
): Promise<ListMessageEntry[]> {
  const reply =
    blockMs === undefined
      ? await conn.xread('COUNT', count, 'STREAMS', keys.messagesStream, afterId)
      : await conn.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', keys.messagesStream, afterId);
  return (reply?.[0]?.[1] ?? []).map(([id, fields]) => parseListMessageEntry(id, fields));
}
