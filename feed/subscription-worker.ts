import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SubscriptionJob } from '../orchestrator/bull-job-sink.js';
import { QUEUES, type Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';

/** What the worker drives: HotSetFollower fits (it orders the changes with its resyncs). */
export interface SubscriptionTarget {
  /** Applies one change; awaited, so the next job waits for it. */
  apply(change: SubscriptionJob): void | Promise<void>;
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
}): Worker<SubscriptionJob> {
  const worker = new Worker<SubscriptionJob>(
    QUEUES.subscriptions,
    async (job) => {
      await o.target.apply(job.data);
      o.logger.debug({ ...job.data }, 'subscriptions changed');
    },
    { connection: o.connection, prefix: o.keys.bullPrefix, concurrency: 1 },
  );
  worker.on('error', (err) => o.logger.error({ err }, 'subscription worker error'));
  return worker;
}
