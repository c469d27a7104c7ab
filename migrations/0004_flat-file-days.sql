-- Up Migration

-- The trading days whose flat file (the vendor's S3 minute aggregates of the whole market, one object a day)
-- has been written into volume_slots completely: the flat-files backfill skips them, and redoes a day whose
-- object the vendor replaced (another ETag). A marker is needed because "every symbol has 192 slots" cannot
-- say it: symbols that did not trade that day are not in the file, and would make the day look unfinished
-- forever.
CREATE TABLE flat_file_days (
  date          date PRIMARY KEY,
  object_key    text NOT NULL,
  etag          text NOT NULL,
  symbols       integer NOT NULL,
  rows_read     bigint NOT NULL,
  completed_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE IF EXISTS flat_file_days;
