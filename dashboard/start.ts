import type { Redis } from 'ioredis';
import { keys } from '../shared/bus/keys.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { startDashboardServer, type Dashboard, type DashboardOptions } from './server.js';

export interface DashboardDeps {
  /**
   * The queues' connection; BullMQ's convention for every connection it is handed (`maxRetriesPerRequest:
   * null`), though the board itself never blocks on it. The caller owns it (close() leaves it open).
   */
  readonly redis: Redis;
  readonly logger: Logger;
}

/**
 * The dashboard as configured: what the dashboard process (main.ts) and the all-in-one `npm start`
 * (launcher/start-all.ts) both run.
 */
export function startDashboard(config: Config, deps: DashboardDeps): Promise<Dashboard> {
  return startDashboardServer(dashboardOptions(config, deps));
}

/** The dashboard server's options from the configuration. */
function dashboardOptions(config: Config, deps: DashboardDeps): DashboardOptions {
  return {
    port: config.DASHBOARD_PORT,
    host: config.DASHBOARD_HOST,
    user: config.DASHBOARD_USER,
    password: config.DASHBOARD_PASSWORD,
    connection: deps.redis,
    keys: keys(config.REDIS_PREFIX),
    logger: deps.logger,
  };
}
