import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFilter } from '../scan/filters-schema.js';
import { randomSchemaName, testDatabaseUrl, withClient, withFreshSchema } from '../../test/utils/db.js';
import { ensureDatabase, InvalidSchemaNameError, migrate, migrationsDir } from './migrate.js';

const ALL_MIGRATIONS = [
  '0001_create-tables',
  '0002_timescaledb',
  '0003_seed-default-filters',
  '0004_flat-file-days',
  '0005_saved-scans',
  '0006_alerts',
];

describe('migrate', () => {
  const schema = withFreshSchema({ migrate: false });
  let firstRun: string[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    firstRun = await migrate(testDatabaseUrl, { schema: schema.name, log: (m) => lines.push(m) });
  });

  const inSchema = <T>(fn: Parameters<typeof withClient<T>>[0]) => withClient(fn, schema.name);

  it('migrations create the tables', async () => {
    expect(firstRun).toEqual(ALL_MIGRATIONS);
    const { rows } = await inSchema((c) =>
      c.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [schema.name],
      ),
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'alerts',
      'flat_file_days',
      'pgmigrations',
      'saved_scans',
      'scan_results',
      'scanner_filters',
      'ticker_metadata',
      'volume_slots',
    ]);
    expect(lines.some((l) => l.includes('0001_create-tables'))).toBe(true);
  });

  it('running migrate twice is a no-op', async () => {
    expect(await migrate(testDatabaseUrl, { schema: schema.name })).toEqual([]);
    const { rows } = await inSchema((c) =>
      c.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id'),
    );
    expect(rows.map((r) => r.name)).toEqual(ALL_MIGRATIONS);
  });

  it('makes hypertables where TimescaleDB is available and is a no-op on plain PostgreSQL', async () => {
    const available = await inSchema((c) =>
      c.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"),
    );
    expect(firstRun).toContain('0002_timescaledb');
    if (available.rowCount !== 0) {
      // A server with the extension (the docker-compose image): both tables became hypertables.
      const { rows } = await inSchema((c) =>
        c.query<{ hypertable_name: string }>(
          `SELECT hypertable_name FROM timescaledb_information.hypertables
            WHERE hypertable_schema = $1 ORDER BY hypertable_name`,
          [schema.name],
        ),
      );
      expect(rows.map((r) => r.hypertable_name)).toEqual(['scan_results', 'volume_slots']);
      return;
    }
    const { rows } = await inSchema((c) =>
      c.query<{ relname: string; relkind: string }>(
        `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname IN ('scan_results', 'volume_slots') ORDER BY c.relname`,
        [schema.name],
      ),
    );
    // Still ordinary tables, no extension created, and the migration is recorded as applied.
    expect(rows).toEqual([
      { relname: 'scan_results', relkind: 'r' },
      { relname: 'volume_slots', relkind: 'r' },
    ]);
    const ext = await inSchema((c) => c.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"));
    expect(ext.rowCount).toBe(0);
  });

  it('seeded filters load and pass the schema', async () => {
    const { rows } = await inSchema((c) =>
      c.query<{ name: string }>(
        'SELECT id, name, description, enabled, priority, sessions, parameters FROM scanner_filters ORDER BY id',
      ),
    );
    const filters = rows.map((r) => parseFilter(r, `seed ${r.name}`));
    expect(filters.map((f) => [f.name, f.enabled])).toEqual([
      ['Tradable price', true],
      ['Regular-hours liquidity', true],
      ['Premarket liquidity', true],
      ['Low-float runners', false],
      ['No ETFs', false],
    ]);
    expect(filters[0]?.parameters).toEqual({ minPrice: 1, maxPrice: 1000 });
    expect(filters[1]?.sessions).toEqual(['MARKET_OPEN', 'POST_MARKET']);
    expect(filters[2]?.sessions).toEqual(['PRE_MARKET']);
  });

  it('the sessions CHECK rejects a bad session', async () => {
    await expect(
      inSchema((c) =>
        c.query("INSERT INTO scanner_filters (name, sessions) VALUES ('lunch', '{MARKET_OPEN,LUNCH}')"),
      ),
    ).rejects.toThrow(/scanner_filters_sessions_check/);
    await expect(
      inSchema((c) =>
        c.query("INSERT INTO scanner_filters (name, sessions) VALUES ('null session', ARRAY[NULL]::text[])"),
      ),
    ).rejects.toThrow(/scanner_filters_sessions_check/);
    // The valid spelling of the same row goes in.
    await inSchema((c) =>
      c.query("INSERT INTO scanner_filters (name, sessions) VALUES ('open', '{MARKET_OPEN}')"),
    );
  });

  it('the slot CHECK rejects a slot outside 0..191', async () => {
    await expect(
      inSchema((c) => c.query("INSERT INTO volume_slots VALUES ('AAPL', '2026-03-02', 192, 1)")),
    ).rejects.toThrow(/volume_slots_slot_check/);
  });

  it('a schema name that is not a plain identifier is refused before connecting', async () => {
    await expect(migrate(testDatabaseUrl, { schema: 'x"; DROP TABLE y; --' })).rejects.toBeInstanceOf(
      InvalidSchemaNameError,
    );
  });
});

describe('migrate concurrency', () => {
  const schema = withFreshSchema({ migrate: false });

  it('two processes migrating at once apply each migration exactly once', async () => {
    const [a, b] = await Promise.all([
      migrate(testDatabaseUrl, { schema: schema.name }),
      migrate(testDatabaseUrl, { schema: schema.name }),
    ]);
    expect([...a, ...b].sort()).toEqual(ALL_MIGRATIONS);
    const { rows } = await withClient(
      (c) => c.query('SELECT count(*)::int AS n FROM pgmigrations'),
      schema.name,
    );
    expect(rows[0]).toEqual({ n: ALL_MIGRATIONS.length });
  });
});

describe('migrationsDir', () => {
  it('finds the repository migrations folder from the source and from a compiled dist/ location', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const root = path.resolve(here, '..', '..');
    expect(migrationsDir()).toBe(path.join(root, 'migrations'));
    expect(migrationsDir(path.join(root, 'dist', 'shared', 'db'))).toBe(path.join(root, 'migrations'));
  });
});

describe('ensureDatabase', () => {
  it('creates a missing database once and leaves an existing one alone', async () => {
    const name = randomSchemaName();
    const url = new URL(testDatabaseUrl);
    url.pathname = `/${name}`;
    try {
      expect(await ensureDatabase(url.toString())).toBe(true);
      expect(await ensureDatabase(url.toString())).toBe(false);
      expect(await migrate(url.toString())).toEqual(ALL_MIGRATIONS);
    } finally {
      await withClient((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
    }
  });
});
