import pgPromise from 'pg-promise';
import {
  InvalidFilterError,
  parseFilter,
  type ScannerFilter,
  type ScannerFilterInput,
} from '../scan/filters-schema.js';
import type { ScanResultRow, TickerMetadata, VolumeSlotRow } from './types.js';

/**
 * PostgreSQL access: one pg-promise instance for the process and the repositories as small functions.
 * Every read is one query and every write one statement (per 20K-row chunk); nothing here runs per ticker
 * (docs/architecture.md: batch every I/O).
 */

interface DbContext {
  readonly schema?: string;
}

// One pgp instance per process: pg-promise keeps its pools and type parsers on it, and warns when the same
// connection is opened twice. The schema callback puts a database object's schema (from its context) on
// the search_path of every connection its pool opens.
const pgp = pgPromise({
  schema: (dc: unknown) => (dc as DbContext | undefined)?.schema,
});

// DATE stays the raw 'YYYY-MM-DD' text: turning it into a JS Date would place it at local midnight and shift
// the calendar day in any time zone west of UTC.
pgp.pg.types.setTypeParser(1082, (v: string) => v);
// NUMERIC and BIGINT come back as strings by default (they can exceed a double). Every such value here is a
// price, a volume or a count, far below 2^53, and the engine computes in doubles anyway.
pgp.pg.types.setTypeParser(1700, (v: string) => Number.parseFloat(v));
pgp.pg.types.setTypeParser(20, (v: string) => Number(v));

export type Db = ReturnType<typeof pgp<object>>;
/** A database, task or transaction: every repository function runs in any of them. */
export type Queryable = pgPromise.IBaseProtocol<object>;

/**
 * The server cancels a statement running longer than this. The longest statements here are one chunk of the RVOL
 * history (1,000 symbols) and one 20K-row write, well under a second each (docs/performance.md), so 30 s only ever
 * trips on a database that is stuck (locks, I/O) — and then the caller fails and retries instead of waiting forever
 * (the orchestrator loads a new day's baselines inside its tick loop).
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** Opening a connection (TCP + authentication) longer than this fails; a healthy local server takes milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * The client gives up waiting for an answer this long after the statement timeout: a server or network that went
 * silent never sends the cancellation that statement_timeout would produce.
 */
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

export interface CreateDbOptions {
  /** Schema to use as the search_path of every connection (a test's fresh schema). Default: the server's. */
  schema?: string;
  /** Default {@link DEFAULT_STATEMENT_TIMEOUT_MS}; 0 = no limit (and no client-side query timeout). */
  statementTimeoutMs?: number;
  /** Default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
}

/** A pooled database object. Close it with {@link closeDb} when the process or test is done. */
export function createDb(databaseUrl: string, opts: CreateDbOptions = {}): Db {
  const dc: DbContext = opts.schema === undefined ? {} : { schema: opts.schema };
  const statementTimeoutMs = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return pgp<object>(
    {
      connectionString: databaseUrl,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...(statementTimeoutMs > 0
        ? {
            statement_timeout: statementTimeoutMs,
            query_timeout: statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
          }
        : {}),
    },
    dc,
  );
}

/** Ends the database object's pool. */
export async function closeDb(db: Db): Promise<void> {
  await db.$pool.end();
}

/** Filter save that names an id no row has. */
export class FilterNotFoundError extends Error {
  override readonly name = 'FilterNotFoundError';
  constructor(readonly id: number) {
    super(`no scanner filter with id ${id}`);
  }
}

/** Filter save whose name another filter already has (names are unique). */
export class DuplicateFilterNameError extends Error {
  override readonly name = 'DuplicateFilterNameError';
  constructor(readonly filterName: string) {
    super(`a scanner filter named ${JSON.stringify(filterName)} already exists`);
  }
}

// Large writes are cut into statements of this many rows inside one transaction: big enough that a full-market
// scan (~15K rows) is one statement, small enough that a history backfill of millions of rows never builds one
// enormous parameter.
const WRITE_CHUNK_ROWS = 20_000;

// ---------------------------------------------------------------------------------------------------------
// ticker_metadata

const METADATA_COLUMNS = [
  ['symbol', 'symbol'],
  ['company_name', 'companyName'],
  ['exchange', 'exchange'],
  ['sector', 'sector'],
  ['industry', 'industry'],
  ['market_cap', 'marketCap'],
  ['float_shares', 'floatShares'],
  ['shares_outstanding', 'sharesOutstanding'],
  ['avg_volume_30d', 'avgVolume30d'],
  ['avg_volume_10d', 'avgVolume10d'],
  ['avg_price_30d', 'avgPrice30d'],
  ['beta', 'beta'],
  ['is_etf', 'isEtf'],
  ['is_actively_trading', 'isActivelyTrading'],
] as const satisfies ReadonlyArray<readonly [string, keyof TickerMetadata]>;

const metadataColumns = new pgp.helpers.ColumnSet<TickerMetadata>(
  // `def: null`: a caller that omits a field means "unknown", which is stored as NULL, not an error.
  METADATA_COLUMNS.map(([name, prop]) => (name === 'symbol' ? { name, prop } : { name, prop, def: null })),
  { table: 'ticker_metadata' },
);

const METADATA_SELECT = `SELECT ${METADATA_COLUMNS.map(([name, prop]) =>
  pgp.as.format('$1:name AS $2:name', [name, prop]),
).join(', ')} FROM ticker_metadata ORDER BY symbol`;

/** Every symbol's metadata in one query, camelCase, nulls kept. */
export async function loadMetadata(db: Queryable): Promise<TickerMetadata[]> {
  return db.any<TickerMetadata>(METADATA_SELECT);
}

/**
 * Inserts or replaces the metadata of the given symbols in one statement (a row replaces every field, so a
 * null clears a value). A symbol repeated in `rows` keeps its last occurrence. Returns the rows written.
 */
export async function upsertMetadata(db: Queryable, rows: readonly TickerMetadata[]): Promise<number> {
  const unique = lastByKey(rows, (r) => r.symbol);
  if (unique.length === 0) return 0;
  const sql =
    pgp.helpers.insert(unique, metadataColumns) +
    ` ON CONFLICT (symbol) DO UPDATE SET ${metadataColumns.assignColumns({ from: 'EXCLUDED', skip: 'symbol' })},` +
    ' updated_at = now()';
  return db.result(sql, undefined, (r) => r.rowCount);
}

// ---------------------------------------------------------------------------------------------------------
// scanner_filters

const FILTER_SELECT =
  'SELECT id, name, description, enabled, priority, sessions, parameters FROM scanner_filters';

/**
 * Every filter (enabled or not), ordered as `filtersMatched` lists them: priority desc, then id asc.
 * Each row goes through the filter schema; if any row is invalid nothing is returned and the error names
 * every bad row's id, so a bad edit in the database can never half-apply a filter set.
 */
export async function loadFilters(db: Queryable): Promise<ScannerFilter[]> {
  const rows = await db.any<{ id: number; name: string }>(`${FILTER_SELECT} ORDER BY priority DESC, id ASC`);
  const filters: ScannerFilter[] = [];
  const badIds: number[] = [];
  const issues: string[] = [];
  for (const row of rows) {
    try {
      filters.push(parseFilter(row, `id ${row.id}`));
    } catch (err) {
      if (!(err instanceof InvalidFilterError)) throw err;
      badIds.push(row.id);
      issues.push(...err.issues.map((i) => `id ${row.id} (${JSON.stringify(row.name)}) ${i}`));
    }
  }
  if (badIds.length > 0)
    throw new InvalidFilterError(`in table scanner_filters (id ${badIds.join(', ')})`, issues);
  return filters;
}

/** A filter to save: without `id` it is created, with `id` that filter is replaced. */
export type SaveFilterInput = Omit<ScannerFilterInput, 'id'> & { id?: number };

/**
 * Validates and writes one filter, returning it as stored (with its id). Throws {@link InvalidFilterError}
 * before touching the database when the filter is invalid, {@link FilterNotFoundError} when `id` names no
 * filter, {@link DuplicateFilterNameError} when the name is taken.
 */
export async function saveFilter(db: Queryable, input: SaveFilterInput): Promise<ScannerFilter> {
  const isNew = input.id === undefined;
  // The schema requires an id; a new filter gets its id from the database, so validate with a placeholder.
  const f = parseFilter(
    { ...input, id: input.id ?? 0 },
    isNew ? JSON.stringify(input.name) : `id ${input.id}`,
  );
  const values = { ...f, parameters: JSON.stringify(f.parameters) };
  try {
    if (isNew) {
      const row = await db.one<unknown>(
        'INSERT INTO scanner_filters (name, description, enabled, priority, sessions, parameters)' +
          ' VALUES ($<name>, $<description>, $<enabled>, $<priority>, $<sessions>::text[], $<parameters>::jsonb)' +
          ' RETURNING id, name, description, enabled, priority, sessions, parameters',
        values,
      );
      return parseFilter(row);
    }
    const row = await db.oneOrNone<unknown>(
      'UPDATE scanner_filters SET name = $<name>, description = $<description>, enabled = $<enabled>,' +
        ' priority = $<priority>, sessions = $<sessions>::text[], parameters = $<parameters>::jsonb, updated_at = now()' +
        ' WHERE id = $<id> RETURNING id, name, description, enabled, priority, sessions, parameters',
      values,
    );
    if (row === null) throw new FilterNotFoundError(f.id);
    return parseFilter(row);
  } catch (err) {
    if (isPgError(err, '23505')) throw new DuplicateFilterNameError(f.name);
    throw err;
  }
}

/** Deletes a filter; false when no filter had that id. */
export async function deleteFilter(db: Queryable, id: number): Promise<boolean> {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new InvalidFilterError(`id ${String(id)}`, ['id: must be a non-negative integer']);
  }
  return db.result('DELETE FROM scanner_filters WHERE id = $1', [id], (r) => r.rowCount > 0);
}

// ---------------------------------------------------------------------------------------------------------
// volume_slots

const volumeSlotInsert = recordsetInsert<VolumeSlotRow>('volume_slots', [
  ['symbol', 'symbol', 'text'],
  ['date', 'date', 'date'],
  ['slot', 'slot', 'smallint'],
  ['cum_volume', 'cumVolume', 'double precision'],
]);

/**
 * What a slot write does to a value already stored for its (symbol, date, slot); each writer names its rule.
 *
 * - `greater` keeps the greater of the two — the live writer's rule (persist jobs of kind `slots`). A day's
 *   cumulative volume never decreases, so of two live writes of one slot the greater is the later one; persist
 *   jobs are retried after a database outage in no particular order (each waits out its own backoff), and an
 *   old write that lands last must not replace a newer, larger value with a smaller one.
 * - `replace` lets the new value win — the history backfills' rule (REST minute bars, flat files; history-fill
 *   and the bootstrap go through them). They write a whole day's curve computed from one source, which is
 *   non-decreasing by construction; keeping the greater of it and a stored curve from another source (the live
 *   `av`, or a bad earlier value being corrected) could leave a mix that goes down within the day, and a wrong
 *   high value could never be corrected. They only write days that are over, or the elapsed slots of today
 *   when asked to (`asOfMs`), so they do not race the live writer on a slot it is still writing.
 */
export type SlotConflictRule = 'greater' | 'replace';

/**
 * Inserts slot values on (symbol, date, slot), and meets a stored value by `rule` (see above). A row whose value
 * would not change is not rewritten, so replaying the same batch (at-least-once delivery) writes nothing. A key
 * repeated in `rows` keeps its greatest (`greater`) or last (`replace`) occurrence. Returns the rows inserted
 * or changed.
 */
export async function upsertVolumeSlots(
  db: Queryable,
  rows: readonly VolumeSlotRow[],
  rule: SlotConflictRule,
): Promise<number> {
  const key = (r: VolumeSlotRow) => `${r.symbol}\u0000${r.date}\u0000${r.slot}`;
  const unique = rule === 'greater' ? greatestByKey(rows, key) : lastByKey(rows, key);
  // `greater` is GREATEST(stored, new) written only when the new value is greater: no dead tuple otherwise.
  const when =
    rule === 'greater'
      ? ' WHERE EXCLUDED.cum_volume > volume_slots.cum_volume'
      : ' WHERE volume_slots.cum_volume IS DISTINCT FROM EXCLUDED.cum_volume';
  return writeInChunks(
    db,
    unique,
    volumeSlotInsert,
    ' ON CONFLICT (symbol, date, slot) DO UPDATE SET cum_volume = EXCLUDED.cum_volume' + when,
  );
}

// ---------------------------------------------------------------------------------------------------------
// scan_results

const scanResultInsert = recordsetInsert<ScanResultRow>('scan_results', [
  ['time', 'time', 'timestamptz'],
  ['symbol', 'symbol', 'text'],
  ['session', 'session', 'text'],
  ['price', 'price', 'double precision'],
  ['volume_today', 'volumeToday', 'double precision'],
  ['change_percent', 'changePercent', 'double precision'],
  ['rvol', 'rvol', 'double precision'],
  ['rvol_slot', 'rvolSlot', 'double precision'],
  ['gap_from_open', 'gapFromOpen', 'double precision'],
  ['price_from_high', 'priceFromHigh', 'double precision'],
  ['price_from_low', 'priceFromLow', 'double precision'],
  ['market_cap', 'marketCap', 'double precision'],
  ['float_shares', 'floatShares', 'double precision'],
  ['score', 'score', 'double precision'],
  ['rank', 'rank', 'integer'],
  ['filters_matched', 'filtersMatched', 'text[]'],
  ['lists', 'lists', 'text[]'],
]);

/**
 * Writes a scan's ranked rows. ON CONFLICT (time, symbol) DO NOTHING, not DO UPDATE: a row is the record
 * of what one scan computed, so a redelivered batch carries the same values and the first write is already
 * right; DO NOTHING also leaves no dead tuples and never rewrites compressed TimescaleDB chunks. A batch
 * larger than one chunk is written in one transaction. Returns the rows actually inserted (0 when the batch was already stored).
 */
export async function insertScanResults(db: Queryable, rows: readonly ScanResultRow[]): Promise<number> {
  return writeInChunks(db, rows, scanResultInsert, ' ON CONFLICT (time, symbol) DO NOTHING');
}

// ---------------------------------------------------------------------------------------------------------
// helpers

/**
 * A bulk insert that ships the rows as ONE JSON parameter and unpacks them server-side with
 * json_to_recordset. Measured here against pg-promise's multi-row VALUES (pgp.helpers.insert) for 15K rows:
 * scan_results 250 ms vs 650 ms, volume_slots 115 ms vs 220 ms, because JSON.stringify is far cheaper than
 * formatting a SQL literal per value and the server parses JSON faster than a 1 MB VALUES list. JSON arrays
 * become text[] directly. Non-finite numbers (NaN, Infinity) serialize as null, which is what a missing
 * metric is stored as anyway (SPEC §3: never NaN).
 */
interface RecordsetInsert {
  /** `INSERT … SELECT … FROM json_to_recordset($1::json) AS r(…)`, without a conflict clause. */
  readonly sql: string;
  /** Property names to serialize (a JSON.stringify whitelist, so extra fields on a row are not shipped). */
  readonly props: string[];
}

function recordsetInsert<T>(
  table: string,
  columns: ReadonlyArray<readonly [column: string, prop: keyof T & string, type: string]>,
): RecordsetInsert {
  const names = columns.map(([column]) => pgp.as.name(column)).join(', ');
  const props = columns.map(([, prop]) => pgp.as.name(prop)).join(', ');
  const types = columns.map(([, prop, type]) => `${pgp.as.name(prop)} ${type}`).join(', ');
  return {
    sql: `INSERT INTO ${pgp.as.name(table)} (${names}) SELECT ${props} FROM json_to_recordset($1::json) AS r(${types})`,
    props: columns.map(([, prop]) => prop),
  };
}

/**
 * Runs `insert` + `conflict` over `rows`: one statement when they fit in a chunk, else one statement per
 * chunk inside a single transaction (all or nothing). Returns the number of rows the statements affected.
 */
async function writeInChunks<T>(
  db: Queryable,
  rows: readonly T[],
  insert: RecordsetInsert,
  conflict: string,
): Promise<number> {
  if (rows.length === 0) return 0;
  const sql = insert.sql + conflict;
  const run = (q: Queryable, chunk: readonly T[]) =>
    q.result(sql, [JSON.stringify(chunk, insert.props)], (r) => r.rowCount);
  if (rows.length <= WRITE_CHUNK_ROWS) return run(db, rows);
  return db.tx(async (t) => {
    let written = 0;
    for (let i = 0; i < rows.length; i += WRITE_CHUNK_ROWS)
      written += await run(t, rows.slice(i, i + WRITE_CHUNK_ROWS));
    return written;
  });
}

/** Rows with duplicate keys removed, the last occurrence winning (ON CONFLICT DO UPDATE rejects duplicates). */
function lastByKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    byKey.delete(k); // re-insert so the surviving row sits where its last occurrence was
    byKey.set(k, row);
  }
  return [...byKey.values()];
}

/** One row per key: the one with the greatest cumVolume (the first of equals), where the key first appeared. */
function greatestByKey(rows: readonly VolumeSlotRow[], key: (row: VolumeSlotRow) => string): VolumeSlotRow[] {
  const byKey = new Map<string, VolumeSlotRow>();
  for (const row of rows) {
    const k = key(row);
    const kept = byKey.get(k);
    if (kept === undefined || row.cumVolume > kept.cumVolume) byKey.set(k, row);
  }
  return [...byKey.values()];
}

function isPgError(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
