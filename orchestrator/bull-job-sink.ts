import type { Redis } from 'ioredis';
import { HotSetNotifier } from '../shared/bus/hot-set.js';
import type { Keys } from '../shared/bus/keys.js';
import { PersistJobQueue } from '../shared/bus/persistence-jobs.js';
import type { ScanResultRow, VolumeSlotRow } from '../shared/db/types.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import type { JobSink } from './job-sink.js';

export interface BullJobSinkOptions {
  /**
   * Whether a feed process consumes the subscriptions queue (FEED=polygon). Without one, hot-set changes are
   * not enqueued at all: nothing would ever take them off the queue. Default true.
   */
  readonly feed?: boolean;
}

/**
 * The production JobSink: BullMQ queues, whose payloads, names and job options are the contracts' own
 * (shared/bus/persistence-jobs.ts, shared/bus/hot-set.ts).
 */
export class BullJobSink implements JobSink {
  private readonly persist: PersistJobQueue;
  private readonly hotSet: HotSetNotifier | undefined;

  constructor(connection: Redis, keys: Keys, o: BullJobSinkOptions = {}) {
    this.persist = new PersistJobQueue(connection, keys);
    this.hotSet = (o.feed ?? true) ? new HotSetNotifier(connection, keys) : undefined;
  }

  async persistScan(rows: readonly ScanResultRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.persist.add({ kind: 'scan', rows });
  }

  async persistAlerts(alerts: readonly AlertMessage[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.persist.add({ kind: 'alerts', alerts });
  }

  async persistVolumeSlots(rows: readonly VolumeSlotRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.persist.add({ kind: 'slots', rows });
  }

  /** Only the notice travels: the feed reads the membership HotSetSync stored before calling this. */
  async changeSubscriptions(): Promise<void> {
    await this.hotSet?.notify();
  }

  async close(): Promise<void> {
    await Promise.all([this.persist.close(), this.hotSet?.close()]);
  }
}
