import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../shared/db/migrate.js';

/**
 * Tests run against a real PostgreSQL. Each test file works in a schema of its own (`t_<random>`), so files
 * run in parallel without seeing each other's rows, and the schema is dropped when the file ends.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface FreshSchema {
  /** The schema's name; valid once the file's beforeAll hooks have run. */
  readonly name: string;
}

/** A random schema name for one test file: `t_` and 12 hex digits. */
export function randomSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/**
 * Registers hooks that create a fresh schema before the file's tests (and, unless `migrate: false`, apply
 * every migration in it) and drop it with CASCADE after them. Call it at the top level of a test file or
 * describe block, before the hooks that use it (vitest runs beforeAll hooks in order and afterAll in reverse,
 * so a db created in a later beforeAll is closed before the schema is dropped).
 */
export function withFreshSchema(opts: { migrate?: boolean } = {}): FreshSchema {
  const name = randomSchemaName();
  beforeAll(async () => {
    await withClient((c) => c.query(`CREATE SCHEMA ${c.escapeIdentifier(name)}`));
    if (opts.migrate !== false) await migrate(testDatabaseUrl, { schema: name });
  });
  afterAll(async () => {
    await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${c.escapeIdentifier(name)} CASCADE`));
  });
  return { name };
}

/** Runs `fn` with a short-lived client on the test database (for set-up SQL the code under test has no API for). */
export async function withClient<T>(fn: (client: pg.Client) => Promise<T>, schema?: string): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    if (schema !== undefined) await client.query(`SET search_path TO ${client.escapeIdentifier(schema)}`);
    return await fn(client);
  } finally {
    await client.end();
  }
}
