import type { Redis } from 'ioredis';
import { keys } from '../shared/bus/keys.js';
import type { Config } from '../shared/config.js';
import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';
import { startGatewayServer, type Gateway, type GatewayOptions } from './server.js';

export interface GatewayDeps {
  /** The list feed's reader; the caller owns it (the gateway's close() leaves it open). */
  readonly redis: Redis;
  /** Filters CRUD and ticker lookups; the lists themselves never touch PostgreSQL. The caller owns it. */
  readonly db: Queryable;
  readonly logger: Logger;
}

/**
 * The gateway as configured: what the gateway process (main.ts) and the all-in-one `npm start`
 * (launcher/start-all.ts) both run.
 */
export function startGateway(config: Config, deps: GatewayDeps): Promise<Gateway> {
  return startGatewayServer(gatewayOptions(config, deps));
}

/** The gateway server's options from the configuration. */
function gatewayOptions(config: Config, deps: GatewayDeps): GatewayOptions {
  return {
    port: config.GATEWAY_PORT,
    host: config.GATEWAY_HOST,
    tokens: config.GATEWAY_TOKENS,
    hosts: hostNames(config),
    origins: config.GATEWAY_ORIGINS,
    maxConnectionsPerIp: config.GATEWAY_MAX_CONNECTIONS_PER_IP,
    maxUpgradesPerSecond: config.GATEWAY_MAX_UPGRADES_PER_SECOND,
    compression: config.GATEWAY_COMPRESSION,
    heartbeatMs: config.HEARTBEAT_MS,
    staleAfterMs: config.STALE_AFTER_MS,
    scansPerToken: config.SCANS_PER_TOKEN,
    scansMax: config.SCANS_MAX,
    redis: deps.redis,
    keys: keys(config.REDIS_PREFIX),
    db: deps.db,
    logger: deps.logger,
  };
}

/** Wildcard binds: they name no host, so they add nothing to the accepted names. */
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * GATEWAY_HOSTS plus the bind address when it is a specific one (a client that reaches the gateway by its address
 * sends it as Host). IPv6 literals are bracketed as in a Host header.
 */
function hostNames(config: Config): readonly string[] {
  const bind = config.GATEWAY_HOST;
  if (WILDCARD_BINDS.has(bind)) return config.GATEWAY_HOSTS;
  return [...config.GATEWAY_HOSTS, bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind];
}
