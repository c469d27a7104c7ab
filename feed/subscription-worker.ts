import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createSubscriptionChangeWorker, type SubscriptionChange } from '../shared/bus/hot-set.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';

/** What the worker drives: HotSetFollower fits (it orders the changes with its resyncs). */
export interface SubscriptionTarget {
  /** Applies one change; awaited, so the next job waits for it. */
  apply(change: SubscriptionChange): void | Promise<void>;
}

/**
 * Applies the orchestrator's hot-set changes (SPEC §7) to the vendor subscription. Concurrency 1: changes must
 * apply in the order the orchestrator made them.
 */
export function startSubscriptionWorker(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly target: SubscriptionTarget;
  readonly logger: Logger;
}): Worker<SubscriptionChange> {
  const worker = createSubscriptionChangeWorker({
    connection: o.connection,
    keys: o.keys,
    apply: async (change) => {
      await o.target.apply(change);
      o.logger.debug({ ...change }, 'subscriptions changed');
    },
  });
  worker.on('error', (err) => o.logger.error({ err }, 'subscription worker error'));
  return worker;
}
