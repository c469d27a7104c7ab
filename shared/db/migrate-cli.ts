import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { ensureDatabase, migrate } from './migrate.js';

/**
 * `tsx shared/db/migrate-cli.ts` (or `node dist/shared/db/migrate-cli.js`): creates the database named in
 * DATABASE_URL if needed, then applies every pending migration. Exit code 1 on any failure.
 */

const log = createLogger('migrate');

try {
  const config = loadConfig();
  log.level = config.LOG_LEVEL;
  const url = config.DATABASE_URL;
  const where = redact(url);
  if (await ensureDatabase(url)) log.info({ database: where }, 'created database');
  const applied = await migrate(url, { log: (msg) => log.debug(msg.trim()) });
  if (applied.length === 0) log.info({ database: where }, 'schema is up to date');
  else log.info({ database: where, applied }, `applied ${applied.length} migration(s)`);
} catch (err) {
  log.error({ err }, 'migration failed');
  process.exitCode = 1;
}
// Exit explicitly: under pm2 the IPC channel to the daemon keeps an idle process alive, so a finished
// migration would sit "online" forever instead of showing "stopped" with its exit code.
process.exit();

/** The URL without its password, for logs. */
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
