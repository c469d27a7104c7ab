import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QUEUES, Keys } from './keys.js';

/*
 * What the BullMQ contracts (persistence-jobs.ts, hot-set.ts) have in common: their queues live under
 * `keys.bullPrefix`, and their jobs are retried the same way.
 */

/** A queue of {@link QUEUES}. */
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The backoff type of {@link RETRIED_JOB_OPTIONS}: computed by the worker ({@link retryDelayMs}). */
export const RETRY_BACKOFF_TYPE = 'capped-exponential';
/** The first retry's delay; each next one doubles, up to the worker's cap. */
export const RETRY_FIRST_DELAY_MS = 1000;
/** The cap of the delay between two attempts unless the worker is given another (PERSIST_RETRY_MAX_DELAY_MS). */
export const DEFAULT_RETRY_MAX_DELAY_MS = 30_000;

/**
 * Retried until they succeed, with a capped exponential backoff (1 s, 2 s, 4 s, … then every
 * DEFAULT_RETRY_MAX_DELAY_MS or the worker's cap). A job is at-least-once and its handler idempotent, so a job
 * retried after a database outage or a feed restart loses and duplicates nothing — however long the outage:
 * with a bounded number of attempts (the former 8, ≈ 2 min in all), a job still failing went to the failed set
 * and nothing retried it, so a longer PostgreSQL outage lost its scans' rows. Unlimited attempts rather than a
 * reaper re-queueing failed jobs: one mechanism, the job stays where the dashboard shows it waiting (delayed,
 * with its attempt count), and the cap bounds how long after the database's return its rows land. A handler
 * that knows a failure will never succeed (a row the database refuses) throws BullMQ's UnrecoverableError, and
 * only such a job goes to the failed set.
 *
 * Bounded in Redis: a retry is the same job (its hash rewritten, not a new one), and BullMQ appends each
 * attempt's stack trace to the job unless told otherwise, so `stackTraceLimit` keeps the last few; what an
 * outage costs is the jobs it accumulates, each kept once. Completed jobs are kept for the dashboard up to a
 * bound, failed ones longer, for an operator to inspect.
 */
export const RETRIED_JOB_OPTIONS = {
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: RETRY_BACKOFF_TYPE, delay: RETRY_FIRST_DELAY_MS },
  stackTraceLimit: 3,
  // Finished jobs keep their payload in Redis (a scan's persist job ≈ 100 KB of rows, a volume-slots one ≈ 0.9 MB
  // at 12,000 tickers), so they are bounded by age and count, whichever bites first: ≈ 20 MB of completed jobs,
  // ≈ 110 MB of failed ones at most (only rows the database refuses fail now; docs/redis-memory.md).
  removeOnComplete: { age: 3600, count: 100 },
  removeOnFail: { age: 24 * 3600, count: 1000 },
} as const;

/**
 * The delay before a job's next attempt after `attemptsMade` failed ones (1 for the first retry):
 * RETRY_FIRST_DELAY_MS × 2^(attemptsMade − 1), at most `maxDelayMs`, less up to a fifth at random so that the
 * jobs an outage failed together do not all come back in the same instant.
 */
export function retryDelayMs(
  attemptsMade: number,
  maxDelayMs: number = DEFAULT_RETRY_MAX_DELAY_MS,
  random: () => number = Math.random,
): number {
  // 2^30 s is far past any cap; the exponent is clamped so that the product stays finite.
  const exponential = RETRY_FIRST_DELAY_MS * 2 ** Math.min(Math.max(attemptsMade - 1, 0), 30);
  const capped = Math.min(exponential, maxDelayMs);
  return Math.max(1, Math.round(capped * (1 - 0.2 * random())));
}

/** How a contract worker retries its failed jobs. */
export interface RetryOptions {
  /** The cap of the delay between two attempts. Default DEFAULT_RETRY_MAX_DELAY_MS. */
  readonly maxDelayMs?: number;
}

/** The producer's side of a contract queue. */
export function openQueue<T>(name: QueueName, connection: Redis, keys: Keys): Queue<T> {
  return new Queue<T>(name, { connection, prefix: keys.bullPrefix, defaultJobOptions: RETRIED_JOB_OPTIONS });
}

/**
 * The consumer's side of a contract queue: `handle` runs on each job's payload, `concurrency` at a time. The
 * worker computes the delays of RETRIED_JOB_OPTIONS's backoff (BullMQ asks the worker for a custom type).
 */
export function openWorker<T, R>(
  name: QueueName,
  connection: Redis,
  keys: Keys,
  handle: (data: T) => Promise<R>,
  concurrency: number,
  retry: RetryOptions = {},
): Worker<T, R> {
  const maxDelayMs = retry.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  return new Worker<T, R>(name, (job: Job<T>) => handle(job.data), {
    connection,
    prefix: keys.bullPrefix,
    concurrency,
    // Jobs queued by an older version carry BullMQ's built-in `exponential`, which BullMQ computes itself.
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, maxDelayMs) },
  });
}
