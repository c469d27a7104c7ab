import type { Redis } from 'ioredis';
import { SubscriptionChangeQueue, type SubscriptionChange } from '../shared/bus/hot-set.js';
import type { Keys } from '../shared/bus/keys.js';
import { PersistJobQueue } from '../shared/bus/persistence-jobs.js';
import type { ScanResultRow, VolumeSlotRow } from '../shared/db/types.js';
import type { JobSink } from './job-sink.js';

/**
 * The production JobSink: BullMQ queues, whose payloads, names and job options are the contracts' own
 * (shared/bus/persistence-jobs.ts, shared/bus/hot-set.ts).
 */
export class BullJobSink implements JobSink {
  private readonly persist: PersistJobQueue;
  private readonly subscriptions: SubscriptionChangeQueue;

  constructor(connection: Redis, keys: Keys) {
    this.persist = new PersistJobQueue(connection, keys);
    this.subscriptions = new SubscriptionChangeQueue(connection, keys);
  }

  async persistScan(rows: readonly ScanResultRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.persist.add({ kind: 'scan', rows });
  }

  async persistVolumeSlots(rows: readonly VolumeSlotRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.persist.add({ kind: 'slots', rows });
  }

  async changeSubscriptions(change: SubscriptionChange): Promise<void> {
    await this.subscriptions.add(change);
  }

  async close(): Promise<void> {
    await Promise.all([this.persist.close(), this.subscriptions.close()]);
  }
}
