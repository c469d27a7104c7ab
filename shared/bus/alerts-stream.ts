import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import type { AlertSequence } from '../alerts/alert-messages.js';
import type { Logger } from '../logger.js';
import { alertMessageSchema, type AlertMessage } from '../protocol/alert-messages.js';
import type { Keys } from './keys.js';

/*
 * The alerts stream (SPEC §14), one contract: the stream `keys.alertsStream` (one alert message as JSON per entry,
 * in seq order, capped at ≈ ALERTS_STREAM_MAXLEN entries) and its position `keys.alertsSequencer` (epoch and last
 * seq). Writer: the orchestrator's Publisher, inside the scan's one MULTI, after the list messages — so the
 * entries and the position always agree and a restarted orchestrator continues at seq + 1 (no gap, no reuse).
 * Readers: the gateways (gateway/alerts-feed.ts: the last 200 for `resync`, then XREAD from there).
 *
 * Unlike the lists there is no snapshot to fall back on: the stream is the history. A gateway that falls further
 * behind than the cap sees a seq gap, which its clients see too (and resync to the last 200).
 */

/** The one field of an entry: the alert message as JSON, forwarded to clients as is. */
export const ALERT_FIELD = 'm';

/** What `resync` returns (SPEC §14). */
export const RECENT_ALERTS = 200;

/** Default approximate cap of the stream (ALERTS_STREAM_MAXLEN): ≈ 1.5 KB an alert, ≈ 7 MB. */
export const DEFAULT_ALERTS_STREAM_MAXLEN = 5000;

const FORMAT = 1;
const positionSchema = z.object({
  format: z.literal(FORMAT),
  epoch: z.string().min(1),
  seq: z.number().int().nonnegative(),
});

/**
 * Queues on `multi` (the publish MULTI) the append of a scan's `alerts` and the stream's new position. Nothing is
 * written for a scan without alerts: the position stored still holds.
 */
export function appendAlerts(
  multi: ChainableCommander,
  keys: Keys,
  alerts: readonly AlertMessage[],
  position: AlertSequence,
  maxLen: number = DEFAULT_ALERTS_STREAM_MAXLEN,
): void {
  if (alerts.length === 0) return;
  for (const a of alerts)
    multi.xadd(keys.alertsStream, 'MAXLEN', '~', maxLen, '*', ALERT_FIELD, JSON.stringify(a));
  multi.set(
    keys.alertsSequencer,
    JSON.stringify({ format: FORMAT, epoch: position.epoch, seq: position.seq }),
  );
}

/** The stored position, or null when there is none or it is unreadable (the caller starts a new epoch). */
export async function loadAlertSequence(
  redis: Redis,
  keys: Keys,
  logger?: Logger,
): Promise<AlertSequence | null> {
  const text = await redis.get(keys.alertsSequencer);
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const r = positionSchema.safeParse(value);
  if (!r.success) {
    logger?.error('stored alerts position is unreadable; the alerts stream starts a new epoch');
    return null;
  }
  return { epoch: r.data.epoch, seq: r.data.seq };
}

/** A stored alert that does not parse: logged and skipped by readers. */
export class BadAlertEntry extends Error {
  override readonly name = 'BadAlertEntry';
}

/** One stream entry as read: the alert with its JSON text, or why it could not be read. */
export type AlertEntry =
  | { readonly id: string; readonly ok: true; readonly alert: AlertMessage; readonly json: string }
  | { readonly id: string; readonly ok: false; readonly error: BadAlertEntry };

export function parseAlertEntry(id: string, fields: readonly string[]): AlertEntry {
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === ALERT_FIELD) json = fields[i + 1];
  if (json === undefined)
    return { id, ok: false, error: new BadAlertEntry(`entry without field ${ALERT_FIELD}`) };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { id, ok: false, error: new BadAlertEntry('entry is not JSON', { cause: err }) };
  }
  const r = alertMessageSchema.safeParse(value);
  if (!r.success) return { id, ok: false, error: new BadAlertEntry(r.error.issues[0]?.message ?? 'invalid') };
  return { id, ok: true, alert: r.data, json };
}

/**
 * The newest `count` entries (default the 200 of `resync`), oldest first, and the id of the stream's last entry
 * (`0-0` when empty): reading after it with {@link readAlerts} continues exactly where these end.
 */
export async function readRecentAlerts(
  redis: Redis,
  keys: Keys,
  count: number = RECENT_ALERTS,
): Promise<{ entries: AlertEntry[]; lastId: string }> {
  const reply = await redis.xrevrange(keys.alertsStream, '+', '-', 'COUNT', count);
  // XREVRANGE answers newest first.
  const lastId = reply[0]?.[0] ?? '0-0';
  const entries = reply.reverse().map(([id, fields]) => parseAlertEntry(id, fields));
  return { entries, lastId };
}

/** The entries after `afterId`, oldest first (empty when a block timed out). */
export async function readAlerts(
  conn: Redis,
  keys: Keys,
  afterId: string,
  { count, blockMs }: { readonly count: number; readonly blockMs?: number },
): Promise<AlertEntry[]> {
  const reply =
    blockMs === undefined
      ? await conn.xread('COUNT', count, 'STREAMS', keys.alertsStream, afterId)
      : await conn.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', keys.alertsStream, afterId);
  return (reply?.[0]?.[1] ?? []).map(([id, fields]) => parseAlertEntry(id, fields));
}
