import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QUEUES, Keys } from './keys.js';

/*
 * What the BullMQ contracts (persistence-jobs.ts, hot-set.ts) have in common: their queues live under
 * `keys.bullPrefix`, and their jobs are retried the same way.
 */

/** A queue of {@link QUEUES}. */
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * Retries with exponential backoff (1 s, 2 s, … ≈ 2 min in all): a job is at-least-once and its handler is
 * idempotent, so a job retried after a database outage or a feed restart loses and duplicates nothing. Completed
 * jobs are kept for the dashboard up to a bound, failed ones longer, for an operator to inspect.
 */
export const RETRIED_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  // Finished jobs keep their payload in Redis (a scan's persist job ≈ 100 KB of rows, a volume-slots one ≈ 0.9 MB
  // at 12,000 tickers), so they are bounded by age and count, whichever bites first: ≈ 20 MB of completed jobs,
  // ≈ 110 MB of failed ones after a long database outage (docs/redis-memory.md).
  removeOnComplete: { age: 3600, count: 100 },
  removeOnFail: { age: 24 * 3600, count: 1000 },
} as const;

/** The producer's side of a contract queue. */
export function openQueue<T>(name: QueueName, connection: Redis, keys: Keys): Queue<T> {
  return new Queue<T>(name, { connection, prefix: keys.bullPrefix, defaultJobOptions: RETRIED_JOB_OPTIONS });
}

/** The consumer's side of a contract queue: `handle` runs on each job's payload, `concurrency` at a time. */
export function openWorker<T, R>(
  name: QueueName,
  connection: Redis,
  keys: Keys,
  handle: (data: T) => Promise<R>,
  concurrency: number,
): Worker<T, R> {
  return new Worker<T, R>(name, (job: Job<T>) => handle(job.data), {
    connection,
    prefix: keys.bullPrefix,
    concurrency,
  });
}
