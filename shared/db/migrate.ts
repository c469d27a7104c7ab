import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

/**
 * Schema migrations with node-pg-migrate: plain SQL files in the repository's top-level `migrations/`
 * folder (`NNNN_name.sql`, `-- Up Migration` / `-- Down Migration` sections), applied in order and recorded
 * in the `pgmigrations` table.
 */

export interface MigrateOptions {
  /** Run every migration inside this schema (created if missing), migrations table included. Tests use a fresh one per run. */
  schema?: string;
  /** Receives node-pg-migrate's progress lines. Silent when absent. */
  log?: (msg: string) => void;
}

/** The migrations folder could not be found above this module. */
export class MigrationsDirNotFoundError extends Error {
  override readonly name = 'MigrationsDirNotFoundError';
}

/** A schema name that is not a plain lower-case identifier (node-pg-migrate interpolates it into SQL). */
export class InvalidSchemaNameError extends Error {
  override readonly name = 'InvalidSchemaNameError';
}

const MIGRATIONS_TABLE = 'pgmigrations';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Only numbered migration files are loaded, so a README (or an editor's backup file) in `migrations/` is
 * ignored rather than fed to the loader. node-pg-migrate takes an ignore pattern, hence the negative lookahead:
 * "ignore every name that is not `<digits>_<name>.<sql|js|mjs|cjs|ts>`".
 */
const IGNORE_NON_MIGRATIONS = String.raw`(?!\d+_[\w.-]+\.(?:sql|js|mjs|cjs|ts)$).*`;

/**
 * The repository's `migrations/` folder. Found by walking up from this module to the directory that holds
 * both `package.json` and `migrations/`, because this file runs from `shared/db/` under tsx and from
 * `dist/shared/db/` once compiled, while the SQL files stay at the repository root.
 */
export function migrationsDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'migrations');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new MigrationsDirNotFoundError(`no directory with package.json and migrations/ above ${from}`);
    }
    dir = parent;
  }
}

/**
 * Applies every pending up migration and returns the names of those it ran (empty when the schema is
 * current). Safe to call from several processes at once: node-pg-migrate's advisory lock is set to wait, so
 * concurrent callers run one after the other and the later ones find nothing to do. All pending migrations
 * run in one transaction: a failure leaves the database as it was.
 */
export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<string[]> {
  const { schema, log } = opts;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new InvalidSchemaNameError(`schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
  }
  const quiet = (): void => {};
  const emit = log ?? quiet;
  const ran = await runner({
    databaseUrl,
    dir: migrationsDir(),
    ignorePattern: IGNORE_NON_MIGRATIONS,
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    ...(schema === undefined ? {} : { schema, createSchema: true, migrationsSchema: schema }),
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    // node-pg-migrate falls back to `console` without a logger; route everything through the caller's.
    logger: { info: emit, warn: emit, error: emit },
  });
  return ran.map((m) => m.name);
}

/**
 * Creates the database named in `databaseUrl` when it does not exist, so a newcomer's first start works
 * against a bare server. Returns true when it created it. Connects to the target first and only falls back to
 * the `postgres` maintenance database when the target is missing, so a role that may not connect to
 * `postgres` (common on managed servers) still works once the database exists.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (name === '') return false;

  const probe = new pg.Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return false;
  } catch (err) {
    if (!isPgError(err, '3D000')) throw err; // 3D000 invalid_catalog_name: the database does not exist
  } finally {
    await probe.end().catch(() => {});
  }

  const maintenance = new URL(databaseUrl);
  maintenance.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    return true;
  } catch (err) {
    // Another process created it between our probe and now: the goal is reached.
    if (isPgError(err, '42P04')) return false;
    throw err;
  } finally {
    await admin.end();
  }
}

function isPgError(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
