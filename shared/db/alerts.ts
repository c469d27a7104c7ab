import { ALERT_KINDS, type AlertKind } from '../alerts/alert-settings.js';
import { alertMessageSchema, type AlertMessage } from '../protocol/alert-messages.js';
import type { Queryable } from './database.js';

/*
 * The `alerts` table (migrations/0006_alerts.sql): one row per published alert (SPEC §14). Written by the jobs
 * process's persistence worker, read by the gateway's GET /api/alerts, trimmed by the jobs process's retention.
 */

/** One alert per row; `list` is '' for every kind but entered_list (a key column cannot be null). */
const INSERT = `
  INSERT INTO alerts (time, symbol, kind, list, epoch, seq, price, value, description, row)
  SELECT (a->>'ts')::timestamptz, a->>'symbol', a->>'kind', coalesce(a->>'list', ''), a->>'epoch',
         (a->>'seq')::bigint, (a->>'price')::double precision, (a->>'value')::double precision,
         a->>'description', a->'row'
    FROM json_array_elements($1::json) AS a
  ON CONFLICT (time, symbol, kind, list) DO NOTHING`;

/**
 * Writes one scan's alerts in one statement. ON CONFLICT DO NOTHING on the alert's identity (time, symbol, kind,
 * list): a job that runs again — at-least-once delivery, a retry after a failure — writes nothing twice. Returns
 * the rows actually inserted.
 */
export async function insertAlerts(db: Queryable, alerts: readonly AlertMessage[]): Promise<number> {
  if (alerts.length === 0) return 0;
  return db.result(INSERT, [JSON.stringify(alerts)], (r) => r.rowCount);
}

export interface AlertQuery {
  /** Only alerts strictly after this instant. */
  readonly since?: Date;
  readonly symbol?: string;
  readonly kind?: AlertKind;
  /** The newest `limit` alerts that match (returned oldest first). */
  readonly limit: number;
}

interface AlertRow {
  time: Date;
  symbol: string;
  kind: string;
  list: string;
  epoch: string;
  seq: number;
  price: number;
  value: number | null;
  description: string;
  row: unknown;
}

/**
 * The newest `limit` alerts matching `q`, in publication order (time, then seq), as the messages that were
 * published. One indexed query.
 */
export async function queryAlerts(db: Queryable, q: AlertQuery): Promise<AlertMessage[]> {
  const rows = await db.any<AlertRow>(
    `SELECT * FROM (
       SELECT time, symbol, kind, list, epoch, seq, price, value, description, row FROM alerts
        WHERE ($1::timestamptz IS NULL OR time > $1) AND ($2::text IS NULL OR symbol = $2)
          AND ($3::text IS NULL OR kind = $3)
        ORDER BY time DESC, seq DESC LIMIT $4
     ) newest ORDER BY time, seq`,
    [q.since ?? null, q.symbol ?? null, q.kind ?? null, q.limit],
  );
  return rows.map((r) =>
    alertMessageSchema.parse({
      type: 'alert',
      epoch: r.epoch,
      seq: r.seq,
      ts: r.time.toISOString(),
      kind: r.kind,
      symbol: r.symbol,
      price: r.price,
      value: r.value,
      description: r.description,
      list: r.list === '' ? null : r.list,
      row: r.row,
    }),
  );
}

/** Deletes the alerts older than `before`; returns how many. */
export async function deleteAlertsBefore(db: Queryable, before: Date): Promise<number> {
  return db.result('DELETE FROM alerts WHERE time < $1', [before], (r) => r.rowCount);
}

/** The kinds a query may name (the REST API validates against them). */
export const QUERYABLE_KINDS = ALERT_KINDS;
