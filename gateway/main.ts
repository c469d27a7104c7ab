import './runtime-guard.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { runProcess } from '../shared/process-lifecycle.js';
import { connectRedis } from '../shared/redis-connection.js';
import { startGateway } from './start.js';

/**
 * The gateway process: `tsx gateway/main.ts` (or `node dist/gateway/main.js` under pm2, ×N on one port —
 * SO_REUSEPORT). SIGTERM/SIGINT close the listen socket and every client (1001), then stop the Redis reader.
 */
/** How long a stopping gateway waits for clients to acknowledge the close before exiting anyway. */
const SHUTDOWN_GRACE_MS = 1000;

runProcess('gateway', async ({ config, logger }) => {
  const redis = await connectRedis(config, logger);
  const db = createDb(config.DATABASE_URL);
  const gateway = await startGateway(config, { redis, db, logger });
  return {
    close: async () => {
      await gateway.close();
      redis.disconnect();
      await closeDb(db);
      // Healthy clients got their close frame at once; uWS would hold a client that stopped reading for ≈ 15 s
      // waiting for its close reply. Not worth delaying a restart for.
      setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    },
  };
});
