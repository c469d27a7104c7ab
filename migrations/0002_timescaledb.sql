-- Up Migration

-- TimescaleDB when the server has it (the docker-compose image does); plain PostgreSQL otherwise.
-- On a server without the extension this block only raises a NOTICE and succeeds, so one set of migrations
-- serves both. Every TimescaleDB call goes through EXECUTE with the extension's schema spelled out: the
-- functions do not exist on plain PostgreSQL, and when migrations run inside a per-test schema the
-- extension's schema (public) is not on the search_path.
--
-- Retention and compression (change them with a new migration, not by editing this one):
--   scan_results  chunks of 1 day;  compressed after 7 days;   dropped after 90 days.
--                 The lists are a live product; 90 days of scan history is enough for "what did the scanner
--                 show last month" and for regression replays, and it bounds the table (~2M rows a day).
--   volume_slots  chunks of 7 days; compressed after 90 days;  dropped after 400 days.
--                 RVOL reads at most RVOL_LOOKBACK_DAYS = 60 trading days (~85 calendar days) back, so the
--                 whole possible lookback stays uncompressed (fast load, cheap backfill upserts); 400 days
--                 keeps a full year of history for backtests.
-- Compression segments by symbol because every reader asks for one symbol's rows or all symbols' rows.

DO $$
DECLARE
  ts_schema name;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    RAISE NOTICE 'timescaledb is not available on this server: scan_results and volume_slots stay plain tables';
    RETURN;
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    -- The extension is installed but cannot be created unless the server preloads it; say so rather than
    -- fail the whole migration, because the product works (more slowly, without retention) without it.
    IF coalesce(current_setting('shared_preload_libraries', true), '') NOT LIKE '%timescaledb%' THEN
      RAISE WARNING 'timescaledb is installed but not in shared_preload_libraries: tables stay plain PostgreSQL';
      RETURN;
    END IF;
    -- The extension is per database; keep it in public so every schema (and every test schema) shares it.
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
      CREATE EXTENSION IF NOT EXISTS timescaledb WITH SCHEMA public;
    ELSE
      CREATE EXTENSION IF NOT EXISTS timescaledb;
    END IF;
  END IF;

  SELECT n.nspname INTO ts_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'timescaledb';

  -- Table names are unqualified and cast to regclass here, so they resolve through the runner's search_path.
  EXECUTE format(
    'SELECT %I.create_hypertable(%L::regclass, %L, chunk_time_interval => INTERVAL %L, if_not_exists => true, migrate_data => true)',
    ts_schema, 'scan_results', 'time', '1 day');
  EXECUTE 'ALTER TABLE scan_results SET (timescaledb.compress, '
       || 'timescaledb.compress_segmentby = ''symbol'', timescaledb.compress_orderby = ''time DESC'')';
  EXECUTE format('SELECT %I.add_compression_policy(%L::regclass, INTERVAL %L, if_not_exists => true)',
    ts_schema, 'scan_results', '7 days');
  EXECUTE format('SELECT %I.add_retention_policy(%L::regclass, INTERVAL %L, if_not_exists => true)',
    ts_schema, 'scan_results', '90 days');

  EXECUTE format(
    'SELECT %I.create_hypertable(%L::regclass, %L, chunk_time_interval => INTERVAL %L, if_not_exists => true, migrate_data => true)',
    ts_schema, 'volume_slots', 'date', '7 days');
  EXECUTE 'ALTER TABLE volume_slots SET (timescaledb.compress, '
       || 'timescaledb.compress_segmentby = ''symbol'', timescaledb.compress_orderby = ''date DESC, slot'')';
  EXECUTE format('SELECT %I.add_compression_policy(%L::regclass, INTERVAL %L, if_not_exists => true)',
    ts_schema, 'volume_slots', '90 days');
  EXECUTE format('SELECT %I.add_retention_policy(%L::regclass, INTERVAL %L, if_not_exists => true)',
    ts_schema, 'volume_slots', '400 days');
END
$$;

-- Down Migration

-- Removes the policies; the tables stay hypertables until 0001's down migration drops them.
DO $$
DECLARE
  ts_schema name;
BEGIN
  SELECT n.nspname INTO ts_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'timescaledb';
  IF ts_schema IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format('SELECT %I.remove_retention_policy(%L::regclass, if_exists => true)', ts_schema, 'scan_results');
  EXECUTE format('SELECT %I.remove_compression_policy(%L::regclass, if_exists => true)', ts_schema, 'scan_results');
  EXECUTE format('SELECT %I.remove_retention_policy(%L::regclass, if_exists => true)', ts_schema, 'volume_slots');
  EXECUTE format('SELECT %I.remove_compression_policy(%L::regclass, if_exists => true)', ts_schema, 'volume_slots');
END
$$;
