import type { ChainableCommander, Redis } from 'ioredis';
import { AggregateEventSchema, type AggregateEvent } from '../vendor/aggregate-schema.js';
import type { Keys } from './keys.js';

/*
 * The aggregates stream (`keys.aggregatesStream`, consumer group `keys.aggregatesGroup`): feed process →
 * orchestrator, one entry per vendor aggregate event. The feed appends (feed/aggregate-forwarder.ts, pipelined);
 * the orchestrator reads it through its consumer group (orchestrator/aggregate-consumer.ts) and acknowledges as
 * it goes.
 *
 * The stream keeps the last few minutes (`MINID ~`, by the entries' ids, i.e. Redis's clock), with a count
 * backstop (`XTRIM MAXLEN ~`, once per pipeline). The orchestrator is the only reader and acknowledges as it goes,
 * so the retention only matters while it is down: a restart is back within seconds, and bars older than a few
 * minutes are superseded by the next snapshot anyway (the engine skips a bar older than its state). Acknowledged
 * entries are not deleted by XACK; the trimming is what frees them. `~` lets Redis trim whole macro-nodes, which
 * is far cheaper than an exact trim.
 */

/**
 * Retention by default: 5 minutes, enough to ride out an orchestrator restart (reclaims run every 15 s).
 * Memory: ≈ 0.2 KB an entry, so a full hot set (11 lists × 20 = 220 symbols, SPEC §5/§7) trading every second
 * holds ≈ 66K entries ≈ 13 MB (docs/redis-memory.md).
 */
export const DEFAULT_AGGREGATES_RETENTION_MS = 5 * 60_000;

/** Count backstop by default, whatever the entries' age: ≈ 7.5 minutes of that full hot set. */
export const DEFAULT_AGGREGATES_MAXLEN = 100_000;

/** Field names of a stream entry. */
export const STREAM_FIELDS = {
  /** The vendor event as JSON. */
  event: 'e',
  /** When the feed process received the frame, epoch ms. */
  receivedAt: 'r',
} as const;

/** One stream entry, decoded. */
export interface StreamAggregate {
  readonly id: string;
  readonly event: AggregateEvent;
  readonly receivedAtMs: number;
}

/** A raw entry as XREADGROUP / XAUTOCLAIM return it (fields null for an entry trimmed away, Redis 6.2). */
export type AggregateEntry = [id: string, fields: string[] | null];

/**
 * Queues the append of one frame's events on `pipeline`, in order (the feed batches frames in one pipeline: one
 * round trip per batch instead of per event), each trimming the entries older than `retentionMs` before `nowMs`
 * (wall clock: `receivedAtMs` may be a recording's time).
 */
export function appendAggregates(
  pipeline: ChainableCommander,
  keys: Keys,
  events: readonly AggregateEvent[],
  receivedAtMs: number,
  { retentionMs = DEFAULT_AGGREGATES_RETENTION_MS, nowMs = Date.now() } = {},
): void {
  const receivedAt = String(receivedAtMs);
  const minId = Math.max(0, Math.floor(nowMs - retentionMs));
  for (const event of events) {
    pipeline.xadd(
      keys.aggregatesStream,
      'MINID',
      '~',
      minId,
      '*',
      STREAM_FIELDS.event,
      JSON.stringify(event),
      STREAM_FIELDS.receivedAt,
      receivedAt,
    );
  }
}

/** Queues the count backstop (`XTRIM MAXLEN ~`): XADD takes one trim strategy, so it is its own command. */
export function capAggregates(pipeline: ChainableCommander, keys: Keys, maxLen: number): void {
  pipeline.xtrim(keys.aggregatesStream, 'MAXLEN', '~', maxLen);
}

/** Decodes one entry; undefined when it cannot be (no event, bad JSON, not an aggregate, trimmed away). */
export function decodeAggregateEntry(
  id: string,
  fields: readonly string[] | null,
): StreamAggregate | undefined {
  if (fields === null) return undefined;
  let json: string | undefined;
  let receivedAt: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === STREAM_FIELDS.event) json = fields[i + 1];
    else if (fields[i] === STREAM_FIELDS.receivedAt) receivedAt = fields[i + 1];
  }
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = AggregateEventSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const receivedAtMs = Number(receivedAt);
  return { id, event: parsed.data, receivedAtMs: Number.isFinite(receivedAtMs) ? receivedAtMs : 0 };
}

/**
 * Creates the consumer group (and the stream) if missing. A new group starts at `startId`; an existing one
 * keeps its position.
 */
export async function ensureAggregatesGroup(redis: Redis, keys: Keys, startId: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', keys.aggregatesStream, keys.aggregatesGroup, startId, 'MKSTREAM');
  } catch (error) {
    if (!/BUSYGROUP/.test((error as Error).message)) throw error;
  }
}

/** New entries for `consumer` (XREADGROUP `>`), in stream order; empty when the block timed out. */
export async function readAggregates(
  conn: Redis,
  keys: Keys,
  consumer: string,
  { count, blockMs }: { readonly count: number; readonly blockMs: number },
): Promise<AggregateEntry[]> {
  const reply = await conn.xreadgroup(
    'GROUP',
    keys.aggregatesGroup,
    consumer,
    'COUNT',
    count,
    'BLOCK',
    blockMs,
    'STREAMS',
    keys.aggregatesStream,
    '>',
  );
  return reply?.[0]?.[1] ?? [];
}
