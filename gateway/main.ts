import { Redis } from 'ioredis';
import { loadConfig } from '../shared/config.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { createShutdown, shutdownOnSignals } from '../shared/process-lifecycle.js';
import { startGateway } from './server.js';

/**
 * The gateway process: `tsx gateway/main.ts` (or `node dist/gateway/main.js` under pm2, ×N on one port —
 * SO_REUSEPORT). SIGTERM/SIGINT close the listen socket and every client (1001), then stop the Redis reader.
 */
/** How long a stopping gateway waits for clients to acknowledge the close before exiting anyway. */
const SHUTDOWN_GRACE_MS = 1000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; log the outage instead of an unhandled 'error' event.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));

  // Filters CRUD and ticker lookups; the lists themselves never touch PostgreSQL.
  const db = createDb(config.DATABASE_URL);
  const gateway = await startGateway({
    port: config.GATEWAY_PORT,
    host: config.GATEWAY_HOST,
    tokens: config.GATEWAY_TOKENS,
    heartbeatMs: config.HEARTBEAT_MS,
    redis,
    keys: keys(config.REDIS_PREFIX),
    db,
    logger,
  });

  shutdownOnSignals(
    createShutdown(
      async () => {
        await gateway.close();
        redis.disconnect();
        await closeDb(db);
        // Healthy clients got their close frame at once; uWS would hold a client that stopped reading for ≈ 15 s
        // waiting for its close reply. Not worth delaying a restart for.
        setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
      },
      { logger },
    ),
  );
}

main().catch((err: unknown) => {
  createLogger('gateway').fatal({ err }, 'gateway failed to start');
  process.exit(1);
});
