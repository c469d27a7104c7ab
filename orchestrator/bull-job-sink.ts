import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ScanResultRow, VolumeSlotRow } from '../shared/db/types.js';
import { QUEUES, type Keys } from '../shared/bus/keys.js';
import type { SubscriptionChange } from './hot-set.js';
import type { JobSink } from './job-sink.js';

/** Job payloads, shared with the workers that consume them. */
/** Job name → payload on the persistence queue. */
export type PersistJob =
  | { readonly kind: 'scan'; readonly rows: readonly ScanResultRow[] }
  | { readonly kind: 'slots'; readonly rows: readonly VolumeSlotRow[] };
export type SubscriptionJob = SubscriptionChange;

/**
 * Retries with exponential backoff: persistence is at-least-once and the writes are idempotent on
 * (time, symbol), so a retried job after a database outage loses and duplicates nothing.
 */
const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 10_000,
} as const;

export class BullJobSink implements JobSink {
  private readonly persist: Queue<PersistJob>;
  private readonly subscriptions: Queue<SubscriptionJob>;

  constructor(connection: Redis, keys: Keys) {
    const opts = { connection, prefix: keys.bullPrefix, defaultJobOptions: DEFAULT_JOB_OPTIONS };
    this.persist = new Queue<PersistJob>(QUEUES.persistence, opts);
    this.subscriptions = new Queue<SubscriptionJob>(QUEUES.subscriptions, opts);
  }

  async persistScan(rows: readonly ScanResultRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.persist.add('scan', { kind: 'scan', rows });
  }

  async persistVolumeSlots(rows: readonly VolumeSlotRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.persist.add('slots', { kind: 'slots', rows });
  }

  async changeSubscriptions(change: SubscriptionChange): Promise<void> {
    await this.subscriptions.add('change', change);
  }

  async close(): Promise<void> {
    await Promise.all([this.persist.close(), this.subscriptions.close()]);
  }
}
