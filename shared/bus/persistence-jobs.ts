import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ScanResultRow, VolumeSlotRow } from '../db/types.js';
import { QUEUES, type Keys } from './keys.js';
import { openQueue, openWorker } from './job-queues.js';

/*
 * The persistence jobs (BullMQ queue `QUEUES.persistence`, under `keys.bullPrefix`): the orchestrator hands each
 * scan's ranked rows and each 5-minute slot's volumes to the jobs process, which writes them to the database
 * (jobs/persistence-worker.ts holds that handler). The job name is the payload's `kind`.
 */

/** The payload of one persistence job. */
export type PersistJob =
  | { readonly kind: 'scan'; readonly rows: readonly ScanResultRow[] }
  | { readonly kind: 'slots'; readonly rows: readonly VolumeSlotRow[] };

/** The orchestrator's side: enqueues persistence jobs. */
export class PersistJobQueue {
  private readonly queue: Queue<PersistJob>;

  /**
   * Jobs are retried (RETRIED_JOB_OPTIONS): the writes are idempotent on (time, symbol), so a job retried after a
   * database outage loses and duplicates nothing.
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
 * The jobs process's side: a worker running `handle` on each job. One at a time by default, in queue order: a
 * later write of the same volume slot must land last. The caller attaches its own `failed`/`error` listeners.
 */
export function createPersistWorker<R>(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly handle: (job: PersistJob) => Promise<R>;
  readonly concurrency?: number;
}): Worker<PersistJob, R> {
  return openWorker(QUEUES.persistence, o.connection, o.keys, o.handle, o.concurrency ?? 1);
}
