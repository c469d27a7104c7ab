import type { Redis } from 'ioredis';

/*
 * The documented bound of a time-trimmed stream's memory (docs/redis-memory.md), for the tests and the bench
 * that check it. A stream trimmed with `MINID ~ <now − retention>` at each XADD keeps the entries added within
 * the retention before the last XADD, plus at most one macro-node of older ones (`~` drops whole nodes only; a
 * node holds at most `stream-node-max-entries` entries and about `stream-node-max-bytes`). Each entry costs its
 * value's bytes plus a few bytes of listpack framing, and each node a radix-tree node and a listpack header; and
 * jemalloc rounds each node's listpack up to its size class, at most 25 % more (4 classes per doubling) — which
 * MEMORY USAGE counts: measured 51 B over the value an entry for 200 B values, 890 B for 4.6 KB, 1.7 KB for 13 KB.
 */

/** jemalloc's size classes are at most 25 % apart: an allocation takes at most 1.25 × what was asked. */
export const ALLOCATOR_FACTOR = 1.25;

/** Listpack framing of one entry (id deltas, flags, lengths, back-length): measured ≤ 12 B, with margin. */
export const ENTRY_OVERHEAD_BYTES = 24;
/** A macro-node's radix-tree node, listpack header and master entry: ≈ 100 B measured, with margin. */
export const NODE_OVERHEAD_BYTES = 256;
/** The stream object and its radix tree's root. */
export const STREAM_FIXED_BYTES = 1024;
/** Margin on the retention: Redis stamps an entry from its own reading of the (same) clock. */
const RETENTION_MARGIN_MS = 50;

/** What Redis reports for `key` (MEMORY USAGE, every node counted: SAMPLES 0). */
export async function streamMemoryUsage(redis: Redis, key: string): Promise<number> {
  return Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
}

/** Redis's macro-node limits (CONFIG GET stream-node-max-entries / -bytes). */
export async function streamNodeLimits(redis: Redis): Promise<{ entries: number; bytes: number }> {
  const [, entries] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
  const [, bytes] = (await redis.config('GET', 'stream-node-max-bytes')) as [string, string];
  return { entries: Number(entries), bytes: Number(bytes) };
}

/**
 * The bound on a stream's entries and bytes from what was published: each publication's entries' value sizes and
 * when its EXEC had returned (`at`, epoch ms: its entries' ids are no later), for a retention of `retentionMs`;
 * `lastStartedAt` is when the last publication began (its trim is from no earlier than that − the retention).
 */
export async function streamMemoryBound(
  redis: Redis,
  published: readonly { readonly at: number; readonly bytes: readonly number[] }[],
  lastStartedAt: number,
  retentionMs: number,
): Promise<{ entries: number; bytes: number }> {
  const node = await streamNodeLimits(redis);
  const from = lastStartedAt - retentionMs - RETENTION_MARGIN_MS;
  const kept = published.filter((p) => p.at >= from).flatMap((p) => p.bytes);
  // The one node of older entries `~` may leave: the newest `node.entries` entries before the window, at most.
  const older = published
    .filter((p) => p.at < from)
    .flatMap((p) => p.bytes)
    .slice(-node.entries);
  const entries = kept.length + older.length;
  const valueBytes = [...kept, ...older].reduce((a, b) => a + b, 0);
  // Nodes: each holds ≤ node.entries entries and closes once past node.bytes, so a node of big entries holds one.
  const nodes = Math.ceil(entries / node.entries) + Math.ceil(valueBytes / node.bytes) + 1;
  return {
    entries,
    bytes: Math.ceil(
      STREAM_FIXED_BYTES +
        ALLOCATOR_FACTOR * (valueBytes + entries * ENTRY_OVERHEAD_BYTES + nodes * NODE_OVERHEAD_BYTES),
    ),
  };
}
