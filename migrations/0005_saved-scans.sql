-- Up Migration

-- User-defined scans saved through REST (SPEC §13, /api/scans), per token. `owner` is the hex SHA-256 of the
-- token (the token itself is never stored; with authentication off every client is the owner of the empty
-- token). The gateways write these rows into the Redis scan registry's `saved` owner, which the orchestrator
-- evaluates; this table is what survives a Redis loss.
CREATE TABLE saved_scans (
  owner       text NOT NULL,
  id          text NOT NULL,
  definition  jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, id)
);

-- Down Migration

DROP TABLE IF EXISTS saved_scans;
