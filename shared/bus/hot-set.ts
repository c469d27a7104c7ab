import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/*
 * The hot set's membership as durable state (SPEC §7), shared by its one writer (the orchestrator) and its
 * reader (the feed). Change jobs carry the deltas in order; this key carries the whole answer, so a feed that
 * starts late, or reconnects after missing jobs, converges on it instead of waiting for the lists to churn.
 */

/**
 * Replaces the stored membership in one MULTI, so a reader never sees a half-written set (DEL then SADD
 * outside a transaction would let a feed reconnecting in between unsubscribe everything).
 */
export async function saveHotMembers(redis: Redis, keys: Keys, symbols: readonly string[]): Promise<void> {
  const tx = redis.multi().del(keys.hotMembers);
  if (symbols.length > 0) tx.sadd(keys.hotMembers, ...symbols);
  const results = (await tx.exec()) ?? [];
  for (const [error] of results) {
    if (error) throw new Error(`could not save the hot set in ${keys.hotMembers}: ${error.message}`);
  }
}

/** The stored membership, sorted; empty when nothing was ever saved. */
export async function loadHotMembers(redis: Redis, keys: Keys): Promise<string[]> {
  return (await redis.smembers(keys.hotMembers)).sort();
}
