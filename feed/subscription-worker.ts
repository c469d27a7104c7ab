import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createHotSetChangedWorker, type HotSetChanged } from '../shared/bus/hot-set.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';

/** What the worker drives: HotSetFollower fits (it orders the reconciliations). */
export interface SubscriptionTarget {
  /** Reconciles the vendor subscription with the stored hot set; awaited, so the next notice waits for it. */
  resync(reason: string, level: 'info' | 'debug'): Promise<void>;
}

/**
 * Answers the orchestrator's "the hot set changed" notices (SPEC §7, shared/bus/hot-set.ts) by reconciling the
 * vendor subscription with the stored membership. The notice carries no change: pending ones collapse into
 * one, and the stored set is the whole answer.
 */
export function startSubscriptionWorker(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly target: SubscriptionTarget;
  readonly logger: Logger;
}): Worker<Partial<HotSetChanged>> {
  const worker = createHotSetChangedWorker({
    connection: o.connection,
    keys: o.keys,
    onChanged: async (notice) => {
      await o.target.resync('hot set changed', 'debug');
      // A job of the previous contract (a delta) has no storedAt; it is answered the same way.
      if (notice.storedAt !== undefined)
        o.logger.debug({ lagMs: Date.now() - notice.storedAt }, 'hot set followed');
    },
  });
  worker.on('error', (err) => o.logger.error({ err }, 'subscription worker error'));
  return worker;
}
