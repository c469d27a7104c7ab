import { UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import { createPersistWorker, type PersistJob } from '../shared/bus/persistence-jobs.js';
import { insertScanResults, upsertVolumeSlots, type Queryable } from '../shared/db/database.js';
import { insertAlerts } from '../shared/db/alerts.js';
import type { Logger } from '../shared/logger.js';

/**
 * Writes each scan's ranked rows to `scan_results`, its alerts to `alerts` (SPEC §14) and the live volume slots
 * to `volume_slots` (SPEC §9).
 * At-least-once: a failed write (database down) throws, and BullMQ retries the job until it succeeds, however
 * long the outage (shared/bus/job-queues.ts: unlimited attempts, backoff capped at `retryMaxDelayMs`). Both
 * writes are idempotent — scan rows on (time, symbol), alerts on (time, symbol, kind, list), slot values keep the greater (cumulative volume never
 * decreases) — so a retry after a partial failure, or retries landing out of order, neither lose nor duplicate
 * anything nor leave an older value over a newer one.
 */
export function startPersistenceWorker(o: {
  readonly connection: Redis;
  readonly keys: Keys;
  readonly db: Queryable;
  readonly logger: Logger;
  readonly concurrency?: number;
  /** The cap of the delay between two attempts of a failed job. Default job-queues.ts's. */
  readonly retryMaxDelayMs?: number;
}): Worker<PersistJob, { written: number }> {
  const worker = createPersistWorker({
    connection: o.connection,
    keys: o.keys,
    handle: async (data) => {
      try {
        const written =
          data.kind === 'slots'
            ? await upsertVolumeSlots(o.db, data.rows, 'greater')
            : data.kind === 'alerts'
              ? await insertAlerts(o.db, data.alerts)
              : await insertScanResults(o.db, data.rows);
        return { written };
      } catch (err) {
        // Retrying forever is right for a database that is away, not for rows it refuses.
        if (isRefusedData(err)) throw new UnrecoverableError(`rows refused: ${(err as Error).message}`);
        throw err;
      }
    },
    // One at a time, in queue order. At one scan and at most one slot batch per 5 s, a single consumer has ample
    // headroom (a 200-row insert takes milliseconds).
    concurrency: o.concurrency ?? 1,
    ...(o.retryMaxDelayMs === undefined ? {} : { retry: { maxDelayMs: o.retryMaxDelayMs } }),
  });
  worker.on('failed', (job, err) => {
    const final = err instanceof UnrecoverableError;
    o.logger.warn(
      { err, job: job?.id, attempts: job?.attemptsMade },
      final ? 'persistence refused by the database; job moved to failed' : 'persistence failed; will retry',
    );
  });
  worker.on('error', (err) => o.logger.error({ err }, 'persistence worker error'));
  return worker;
}

/**
 * A PostgreSQL error about the rows themselves, which no retry can fix: SQLSTATE class 22 (data exception: a
 * value out of range, bad text for a type) or 23 (integrity constraint violation: a CHECK, NOT NULL). Everything
 * else — connection refused or reset, the server starting or shutting down (57P), a timeout — may pass later.
 */
export function isRefusedData(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code);
}
