import type { ChainableCommander, Redis } from 'ioredis';
import { AggregateEventSchema, type AggregateEvent } from '../vendor/aggregate-schema.js';
import type { Keys } from './keys.js';

/*
 * The aggregates stream (`keys.aggregatesStream`, consumer group `keys.aggregatesGroup`): feed process →
 * orchestrator, one entry per vendor aggregate event. The feed appends (feed/aggregate-forwarder.ts, pipelined);
 * the orchestrator reads it through its consumer group (orchestrator/aggregate-consumer.ts) and acknowledges as
 * it goes.
 *
 * The stream is capped with `MAXLEN ~`: the orchestrator is the only reader, so the cap only matters when it is
 * down, and then the oldest per-second bars are the least useful thing to keep. `~` lets Redis trim whole
 * macro-nodes, which is far cheaper than an exact cap.
 */

/**
 * Entries kept by default, approximately: ~7.5 minutes of a full hot set (11 lists × 20 = 220 symbols, SPEC
 * §5/§7) all trading every second, far more on a normal day — enough to ride out an orchestrator restart.
 */
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
 * round trip per batch instead of per event).
 */
export function appendAggregates(
  pipeline: ChainableCommander,
  keys: Keys,
  events: readonly AggregateEvent[],
  receivedAtMs: number,
  maxLen: number = DEFAULT_AGGREGATES_MAXLEN,
): void {
  const receivedAt = String(receivedAtMs);
  for (const event of events) {
    pipeline.xadd(
      keys.aggregatesStream,
      'MAXLEN',
      '~',
      maxLen,
      '*',
      STREAM_FIELDS.event,
      JSON.stringify(event),
      STREAM_FIELDS.receivedAt,
      receivedAt,
    );
  }
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
