import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import { createPersistWorker, type PersistJob } from '../shared/bus/persistence-jobs.js';
import { insertScanResults, upsertVolumeSlots, type Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';

/**
 * Writes each scan's ranked rows to `scan_results` and the live volume slots to `volume_slots` (SPEC §9). At-least-once: a failed write (database down)
 * throws, BullMQ retries the job with backoff, and the insert is idempotent on (time, symbol), so a retry
 * after a partial failure neither loses nor duplicates rows.
 */
export function startPersistenceWorker(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly db: Queryable;
  readonly logger: Logger;
  readonly concurrency?: number;
}): Worker<PersistJob, { written: number }> {
  const worker = createPersistWorker({
    connection: o.connection,
    keys: o.keys,
    handle: async (data) => {
      const written =
        data.kind === 'slots'
          ? await upsertVolumeSlots(o.db, data.rows)
          : await insertScanResults(o.db, data.rows);
      return { written };
    },
    // One at a time, in queue order: a later write of the same volume slot must land last. At one scan and at
    // most one slot batch per 5 s, a single consumer has ample headroom (a 200-row insert takes milliseconds).
    concurrency: o.concurrency ?? 1,
  });
  worker.on('failed', (job, err) =>
    o.logger.warn({ err, job: job?.id, attempts: job?.attemptsMade }, 'scan persistence failed; will retry'),
  );
  worker.on('error', (err) => o.logger.error({ err }, 'persistence worker error'));
  return worker;
}
