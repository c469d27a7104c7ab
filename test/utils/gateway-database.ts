import { afterAll, beforeAll, beforeEach } from 'vitest';
import { closeDb, createDb, type Db } from '../../shared/db/database.js';
import { onCleanup } from './cleanup.js';
import { testDatabaseUrl, withClient, withFreshSchema, type FreshSchema } from './db.js';
import { GatewayFixture } from './gateway-fixture.js';

/**
 * For a test file whose gateways serve the REST API: a fresh migrated schema and a pool on it for the file, and a
 * new GatewayFixture (fresh Redis prefix, cleaned up after) for each test, after emptying the `clear` tables.
 * Call it at the top of a describe block; read `db` and `fx` inside hooks and tests.
 */
export function gatewayWithDatabase(o: { readonly clear?: readonly string[] } = {}): {
  readonly schema: FreshSchema;
  readonly db: Db;
  readonly fx: GatewayFixture;
} {
  const schema = withFreshSchema();
  let db: Db | undefined;
  let fx: GatewayFixture | undefined;
  beforeAll(() => {
    db = createDb(testDatabaseUrl, { schema: schema.name });
  });
  afterAll(async () => {
    if (db) await closeDb(db);
  });
  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    for (const table of o.clear ?? []) await withClient((c) => c.query(`DELETE FROM ${table}`), schema.name);
  });
  return {
    schema,
    get db() {
      return db!;
    },
    get fx() {
      return fx!;
    },
  };
}
