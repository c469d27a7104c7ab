import { deleteAlertsBefore } from '../shared/db/alerts.js';
import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';

/** How often old alerts are deleted. Alerts are minutes apart in value, so an hour late is nothing. */
export const ALERTS_RETENTION_EVERY_MS = 3_600_000;
const MS_PER_DAY = 86_400_000;

/**
 * The `alerts` table's retention (ALERTS_RETENTION_DAYS): at start and every hour, rows older than that many days
 * are deleted. A timer rather than a migration policy so the window is configuration and works on plain
 * PostgreSQL; on a TimescaleDB hypertable the rows deleted are whole old chunks. Several jobs processes running it
 * at once only repeat a cheap delete. Failures are logged and tried again at the next round.
 */
export function startAlertsRetention(o: {
  readonly db: Queryable;
  readonly logger: Logger;
  readonly retentionDays: number;
  readonly everyMs?: number;
  readonly now?: () => number;
}): { readonly round: () => Promise<number>; stop(): void } {
  const now = o.now ?? Date.now;
  let running: Promise<number> | undefined;
  const round = (): Promise<number> => {
    running ??= deleteAlertsBefore(o.db, new Date(now() - o.retentionDays * MS_PER_DAY))
      .then(
        (deleted) => {
          if (deleted > 0) o.logger.info({ deleted, retentionDays: o.retentionDays }, 'deleted old alerts');
          return deleted;
        },
        (err: unknown) => {
          o.logger.warn({ err }, 'could not delete old alerts; trying again at the next round');
          return 0;
        },
      )
      .finally(() => (running = undefined));
    return running;
  };
  void round();
  const timer = setInterval(() => void round(), o.everyMs ?? ALERTS_RETENTION_EVERY_MS);
  timer.unref();
  return { round, stop: () => clearInterval(timer) };
}
