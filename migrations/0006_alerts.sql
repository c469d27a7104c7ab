-- Up Migration

-- The alerts of SPEC §14, one row per alert published. The primary key is the alert's identity — at most one
-- alert of a kind per symbol (and list, for entered_list) per scan instant — so a persistence job that runs
-- again (at-least-once delivery) writes nothing twice. `list` is '' for every kind but entered_list (a key
-- column cannot be null). `time` leads so it can become the hypertable dimension.
CREATE TABLE alerts (
  time         timestamptz NOT NULL,
  symbol       text NOT NULL,
  kind         text NOT NULL
               CONSTRAINT alerts_kind_check
               CHECK (kind IN ('new_high', 'new_low', 'running_up', 'running_down', 'volume_spike',
                               'entered_list', 'halt', 'resume')),
  list         text NOT NULL DEFAULT '',
  epoch        text NOT NULL,
  seq          bigint NOT NULL,
  price        double precision NOT NULL,
  value        double precision,
  description  text NOT NULL,
  -- The ticker's row (SPEC §8) at that instant, as published.
  row          jsonb NOT NULL,
  PRIMARY KEY (time, symbol, kind, list)
);

-- GET /api/alerts?symbol=… reads one symbol's newest alerts.
CREATE INDEX alerts_symbol_time ON alerts (symbol, time DESC);

-- TimescaleDB when present (see 0002): a hypertable of 1-day chunks. Retention is not a policy here but the
-- jobs process's hourly delete of rows older than ALERTS_RETENTION_DAYS (jobs/alerts-retention.ts), so it is
-- configurable and works on plain PostgreSQL too; on a hypertable the old rows are whole old chunks.
DO $$
DECLARE
  ts_schema name;
BEGIN
  SELECT n.nspname INTO ts_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'timescaledb';
  IF ts_schema IS NULL THEN
    RAISE NOTICE 'timescaledb is not installed: alerts stays a plain table';
    RETURN;
  END IF;
  EXECUTE format(
    'SELECT %I.create_hypertable(%L::regclass, %L, chunk_time_interval => INTERVAL %L, if_not_exists => true, migrate_data => true)',
    ts_schema, 'alerts', 'time', '1 day');
END
$$;

-- Down Migration

DROP TABLE IF EXISTS alerts;
