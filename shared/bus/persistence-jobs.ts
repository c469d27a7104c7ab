import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ScanResultRow, VolumeSlotRow } from '../db/types.js';
import type { AlertMessage } from '../protocol/alert-messages.js';
import { QUEUES, type Keys } from './keys.js';
import { openQueue, openWorker, type RetryOptions } from './job-queues.js';

/*
 * The persistence jobs (BullMQ queue `QUEUES.persistence`, under `keys.bullPrefix`): the orchestrator hands each
 * scan's ranked rows and each 5-minute slot's volumes to the jobs process, which writes them to the database
 * (jobs/persistence-worker.ts holds that handler). The job name is the payload's `kind`.
 */

/** The payload of one persistence job. */
export type PersistJob =
  | { readonly kind: 'scan'; readonly rows: readonly ScanResultRow[] }
  | { readonly kind: 'slots'; readonly rows: readonly VolumeSlotRow[] }
  /** One scan's alerts (SPEC §14), written idempotently on (time, symbol, kind, list). */
  | { readonly kind: 'alerts'; readonly alerts: readonly AlertMessage[] };

/** The orchestrator's side: enqueues persistence jobs. */
export class PersistJobQueue {
  private readonly queue: Queue<PersistJob>;

  /**
   * Jobs are retried until they succeed (RETRIED_JOB_OPTIONS): the writes are idempotent (scan rows on
   * (time, symbol); alerts on (time, symbol, kind, list); slot values keep the greater), so a job retried after a database outage of any length loses
   * and duplicates nothing.
   */
  constructor(connection: Redis, keys: Keys) {
    this.queue = openQueue<PersistJob>(QUEUES.persistence, connection, keys);
  }

  async add(job: PersistJob): Promise<void> {
    await this.queue.add(job.kind, job);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/**
 * The jobs process's side: a worker running `handle` on each job, one at a time by default. Queue order is not
 * relied on — retried jobs come back in any order — so a slot write keeps the greater value instead
 * (persistence-worker.ts). `retry` caps the backoff of failed jobs. The caller attaches its own `failed`/`error`
 * listeners.
 */
export function createPersistWorker<R>(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly handle: (job: PersistJob) => Promise<R>;
  readonly concurrency?: number;
  readonly retry?: RetryOptions;
}): Worker<PersistJob, R> {
  return openWorker(QUEUES.persistence, o.connection, o.keys, o.handle, o.concurrency ?? 1, o.retry);
}
