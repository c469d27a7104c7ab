import { ISO_DATE_PATTERN } from '../market/ny-time.js';
import { SLOTS } from '../scan/columns.js';
import type { VolumeDay } from '../scan/history.js';
import type { Queryable } from './database.js';
import type { VolumeSlotRow } from './types.js';

/**
 * Reading RVOL history (SPEC §3.1) out of `volume_slots`: for every symbol, its N most recent dates strictly
 * before a date, as slot rows, as whole days, or streamed a chunk of symbols at a time.
 */

/** Every symbol in volume_slots, found by a loose index scan (next symbol > previous) on the primary key. */
const ALL_SYMBOLS_CTE = `symbols AS (
  SELECT min(symbol) AS symbol FROM volume_slots
  UNION ALL
  SELECT (SELECT min(v.symbol) FROM volume_slots v WHERE v.symbol > s.symbol)
    FROM symbols s
   WHERE s.symbol IS NOT NULL
)`;

/** Per symbol of `symbols`, its $2 most recent dates before $1, by index probes. */
const LOOKBACK_DAYS = `days AS (
  SELECT s.symbol, d.date, 1 AS n
    FROM symbols s
   CROSS JOIN LATERAL (SELECT max(v.date) AS date FROM volume_slots v
                        WHERE v.symbol = s.symbol AND v.date < $1::date) d
   WHERE d.date IS NOT NULL
  UNION ALL
  SELECT days.symbol, d.date, days.n + 1
    FROM days
   CROSS JOIN LATERAL (SELECT max(v.date) AS date FROM volume_slots v
                        WHERE v.symbol = days.symbol AND v.date < days.date) d
   WHERE days.n < $2::int AND d.date IS NOT NULL
)
`;

const LOOKBACK_DAYS_CTE = `WITH RECURSIVE ${ALL_SYMBOLS_CTE}, ${LOOKBACK_DAYS}`;

const VOLUME_HISTORY_SQL = `${LOOKBACK_DAYS_CTE}
SELECT k.symbol, k.date, v.slot, v.cum_volume AS "cumVolume"
  FROM (SELECT symbol, date FROM days ORDER BY symbol, date) k
 CROSS JOIN LATERAL (SELECT slot, cum_volume FROM volume_slots v
                      WHERE v.symbol = k.symbol AND v.date = k.date ORDER BY slot) v
 ORDER BY k.symbol, k.date, v.slot`;

/** The lookback of one chunk of symbols ($3): the same date probes, for the symbols given. */
const VOLUME_HISTORY_CHUNK_SQL = `
WITH RECURSIVE symbols AS (SELECT unnest($3::text[]) AS symbol), ${LOOKBACK_DAYS}
SELECT k.symbol, k.date, v.slots, v.volumes
  FROM (SELECT symbol, date FROM days ORDER BY symbol, date) k
 CROSS JOIN LATERAL (SELECT array_agg(slot ORDER BY slot) AS slots, array_agg(cum_volume ORDER BY slot) AS volumes
                       FROM volume_slots v WHERE v.symbol = k.symbol AND v.date = k.date) v
 ORDER BY k.symbol, k.date`;

/** Every symbol with history, by a loose index scan of the primary key. */
const HISTORY_SYMBOLS_SQL = `WITH RECURSIVE ${ALL_SYMBOLS_CTE}
SELECT symbol FROM symbols WHERE symbol IS NOT NULL ORDER BY symbol`;

/**
 * RVOL history (SPEC §3.1) in one query: for every symbol, all slot rows of its `lookbackDays` most recent
 * dates strictly before `beforeDate` that have at least one row, ordered by symbol, date, slot.
 *
 * The dates are picked with index probes rather than a window function over the table. The result is what
 * `dense_rank() OVER (PARTITION BY symbol ORDER BY date DESC) <= N` over the rows before the date would give
 * (a property test checks exactly that), but the window version reads every stored row before the date, so
 * its cost grows with the history kept; measured here it was 7x slower with 100 days of history. The probes:
 *   symbols  — the distinct symbols, found by a loose index scan (next symbol > previous) on the primary key;
 *   days     — per symbol the latest date < beforeDate, then the latest date < that one, N times at most;
 *              a date with a single slot row counts as a day, a symbol that skipped days still gets its N;
 *   rows     — those days' slots, read by (symbol, date) in key order, so the final ORDER BY only sorts
 *              within each day.
 */
export async function loadVolumeHistory(
  db: Queryable,
  beforeDate: string,
  lookbackDays: number,
): Promise<VolumeSlotRow[]> {
  checkLookbackArgs(beforeDate, lookbackDays);
  return db.any<VolumeSlotRow>(VOLUME_HISTORY_SQL, [beforeDate, lookbackDays]);
}

function checkLookbackArgs(beforeDate: string, lookbackDays: number): void {
  if (!ISO_DATE_PATTERN.test(beforeDate)) {
    throw new RangeError(`beforeDate must be YYYY-MM-DD, got ${JSON.stringify(beforeDate)}`);
  }
  if (!Number.isSafeInteger(lookbackDays) || lookbackDays < 1) {
    throw new RangeError(`lookbackDays must be a positive integer, got ${String(lookbackDays)}`);
  }
}

interface DayRow {
  symbol: string;
  date: string;
  slots: number[];
  volumes: number[];
}

function toVolumeDay(r: DayRow): VolumeDay {
  const volumes = new Float64Array(SLOTS).fill(NaN);
  r.slots.forEach((slot, i) => (volumes[slot] = Number(r.volumes[i])));
  return { symbol: r.symbol, date: r.date, volumes };
}

/**
 * The lookback of {@link loadVolumeHistory} as whole days (one per symbol and date, slots as an array),
 * streamed `symbolsPerQuery` symbols per query in symbol order: what the orchestrator folds into baselines, so
 * that neither 14M row objects nor the raw days of the whole market (≈ 115 MB at 15K symbols) are ever in
 * memory at once.
 */
export async function* streamVolumeHistoryDays(
  db: Queryable,
  beforeDate: string,
  lookbackDays: number,
  symbolsPerQuery = 1000,
): AsyncGenerator<VolumeDay> {
  checkLookbackArgs(beforeDate, lookbackDays);
  const symbols = await db.map<string>(HISTORY_SYMBOLS_SQL, [], (r: { symbol: string }) => r.symbol);
  for (let i = 0; i < symbols.length; i += symbolsPerQuery) {
    const rows = await db.any<DayRow>(VOLUME_HISTORY_CHUNK_SQL, [
      beforeDate,
      lookbackDays,
      symbols.slice(i, i + symbolsPerQuery),
    ]);
    yield* rows.map(toVolumeDay);
  }
}
