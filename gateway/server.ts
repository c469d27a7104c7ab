import type { Redis } from 'ioredis';
import type { Queryable } from '../shared/db/database.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import type { HeartbeatMessage } from '../shared/protocol/messages.js';
import { TokenCheck } from './auth.js';
import { ClientConnections, type ClientState } from './client-connections.js';
import { ClientOps } from './client-ops.js';
import { ClientScans } from './client-scans.js';
import { SavedScans } from './saved-scans.js';
import { clientLimits } from './client-policy.js';
import { FanOut } from './fan-out.js';
import { registerHttpRoutes } from './http-routes.js';
import { ListFeed } from './list-feed.js';
import { AlertsFeed } from './alerts-feed.js';
import { FreshnessWatch } from './freshness.js';
import { DatabaseProbe } from './health.js';
import { GatewayMetrics } from './metrics.js';
import { BootstrapView } from './bootstrap-view.js';
import { RequestGuard } from './request-guard.js';
import { recordRoutes, type RegisteredRoute } from './route-recorder.js';
import {
  App,
  closeListenSocket,
  COMPRESSION,
  type Compression,
  listenSocketPort,
  type ListenSocket,
} from './uws.js';
import { loadWebAssets, registerWebRoutes } from './web/assets.js';

/**
 * Client frames are small: a subscribe to every list is < 300 B, a scan definition a few KB (its `in` lists up
 * to 500 symbols, ≈ 4 KB each). uWS closes a socket sending more.
 */
const MAX_PAYLOAD_BYTES = 32 * 1024;
/** uWS idle timeout, s: its automatic pings keep a quiet but healthy client open. */
const IDLE_TIMEOUT_S = 120;

export interface GatewayOptions {
  readonly port: number;
  readonly host: string;
  /** Accepted tokens; empty = no authentication. */
  readonly tokens: readonly string[];
  /** Host names answered (DNS rebinding); empty = loopback names, `*` = any. */
  readonly hosts?: readonly string[];
  /** Origins allowed on upgrades and REST writes besides the gateway's own pages. */
  readonly origins?: readonly string[];
  /** Open WebSocket connections per client address (default 200). */
  readonly maxConnectionsPerIp?: number;
  /** WebSocket upgrades per client address per second (default 20). */
  readonly maxUpgradesPerSecond?: number;
  readonly heartbeatMs: number;
  readonly redis: Redis;
  readonly keys: Keys;
  /** Filters CRUD and ticker lookups. */
  readonly db: Queryable;
  readonly logger: Logger;
  readonly maxBackpressureBytes?: number;
  readonly slowConsumerTimeoutMs?: number;
  /** permessage-deflate of list messages (default off). */
  readonly compression?: Compression;
  /** STALE_AFTER_MS: an orchestrator silent this long is `down` (default 15 s). */
  readonly staleAfterMs?: number;
  /** How often the orchestrator's status is re-read (default 1 s). */
  readonly statusReadMs?: number;
  /** SCANS_PER_TOKEN (default 20). */
  readonly scansPerToken?: number;
  /** SCANS_MAX (default 1,000). */
  readonly scansMax?: number;
  /** How often saved scans are re-read from PostgreSQL (default 30 s, saved-scans.ts). */
  readonly savedScansSyncMs?: number;
}

export interface Gateway {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Every route registered on the app, in order (the OpenAPI test holds the document to them). */
  readonly routes: readonly RegisteredRoute[];
  close(): Promise<void>;
}

/** The port could not be bound. */
export class GatewayListenError extends Error {
  override readonly name = 'GatewayListenError';
}

/**
 * The WebSocket and HTTP gateway of SPEC §8 on one uWS app: `/ws` for clients, plus the routes of
 * http-routes.ts. This file wires the parts and owns start and close; on `/ws`, client-connections.ts admits
 * clients and tracks them, client-ops.ts handles what they send, and fan-out.ts sends them the list messages of
 * a {@link ListFeed} (one uWS topic per list), heartbeats and replies.
 */
export async function startGatewayServer(options: GatewayOptions): Promise<Gateway> {
  const { logger, redis, heartbeatMs } = options;
  // Conflation policy: see the design note in client-policy.ts.
  const limits = clientLimits(options);
  const auth = new TokenCheck(options.tokens);
  const guard = new RequestGuard({ hosts: options.hosts ?? [], origins: options.origins ?? [] });
  const bootstrap = new BootstrapView(redis, options.keys, logger);
  const freshness = new FreshnessWatch({
    redis,
    keys: options.keys,
    logger,
    staleAfterMs: options.staleAfterMs ?? 15_000,
    ...(options.statusReadMs === undefined ? {} : { readEveryMs: options.statusReadMs }),
  });
  const postgres = new DatabaseProbe(options.db, logger);
  const metrics = new GatewayMetrics({
    bootstrap: () => bootstrap.current,
    clients: (): number => connections.sockets.size,
    redisUp: () => redis.status === 'ready' && feed.healthy,
    postgresUp: () => postgres.isUp(),
    freshness: () => freshness.current(),
    redis,
    keys: options.keys,
  });
  const connections = new ClientConnections({ ...options, auth, guard, limits, metrics, logger });
  const fanOut = new FanOut({
    publish: (topic, data, binary, compress) => app.publish(topic, data, binary, compress),
    subscribers: (topic): number => app.numSubscribers(topic),
    sockets: connections.sockets,
    snapshot: (list) => feed.snapshot(list),
    recentAlerts: () => alerts.recent(),
    watch: (list) => feed.watch(list),
    unwatch: (list) => feed.unwatch(list),
    limits,
    metrics,
    logger,
  });
  const saved = new SavedScans({
    db: options.db,
    redis,
    keys: options.keys,
    logger,
    ...(options.savedScansSyncMs === undefined ? {} : { syncMs: options.savedScansSyncMs }),
  });
  const scansPerToken = options.scansPerToken ?? 20;
  const scans = new ClientScans({
    redis,
    keys: options.keys,
    logger,
    perToken: scansPerToken,
    maxDistinct: options.scansMax ?? 1000,
    saved,
  });
  const ops = new ClientOps({ fanOut, scans, metrics, logger });
  // A token's saved scan changed (here or, seen by the sync, on another gateway): its subscribers follow it.
  saved.onChange((owner, id) => {
    for (const ws of connections.sockets) if (ws.getUserData().owner === owner) ops.repoint(ws, `scan:${id}`);
  });
  const feed = new ListFeed({
    redis,
    keys: options.keys,
    logger,
    onMessage: (msg, json) => fanOut.publishList(msg, json),
  });
  const alerts = new AlertsFeed({
    redis,
    keys: options.keys,
    logger,
    onAlert: (alert, json) => fanOut.publishAlert(alert, json),
  });

  const routes: RegisteredRoute[] = [];
  const app = recordRoutes(App(), routes).ws<ClientState>('/ws', {
    maxPayloadLength: MAX_PAYLOAD_BYTES,
    maxBackpressure: limits.maxBackpressureBytes,
    closeOnBackpressureLimit: 0,
    idleTimeout: IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    compression: COMPRESSION[options.compression ?? 'off'],
    upgrade: connections.upgrade,
    open: (ws) => {
      connections.opened(ws);
      fanOut.attach(ws);
    },
    message: ops.onMessage,
    drain: (ws) => fanOut.drained(ws),
    close: (ws, code) => {
      fanOut.detach(ws);
      scans.closed(ws.getUserData());
      connections.closed(ws, code);
    },
  });
  registerHttpRoutes(app, {
    feed,
    redis,
    db: options.db,
    auth,
    guard,
    metrics,
    saved,
    scans,
    scansPerToken,
    logger,
    clients: () => connections.sockets.size,
    bootstrap: () => bootstrap.current,
    freshness,
    postgres,
  });
  const web = await loadWebAssets();
  registerWebRoutes(app, web);

  await Promise.all([feed.start(), alerts.start()]);
  await Promise.all([saved.start(), scans.start()]);
  bootstrap.start();
  await Promise.all([freshness.start(), postgres.check()]);
  const listenSocket = await new Promise<ListenSocket>((resolve, reject) => {
    app.listen(options.host, options.port, (ls) =>
      ls ? resolve(ls) : reject(new GatewayListenError(`cannot listen on ${options.host}:${options.port}`)),
    );
  }).catch(async (err: unknown) => {
    bootstrap.stop();
    freshness.stop();
    saved.stop();
    await scans.stop();
    await Promise.all([feed.stop(), alerts.stop()]);
    throw err;
  });
  const port = listenSocketPort(listenSocket);

  const heartbeat = setInterval(() => {
    fanOut.publishHeartbeat(
      JSON.stringify({
        type: 'heartbeat',
        ts: new Date().toISOString(),
        seqs: feed.seqs(),
        ...freshness.current(),
      } satisfies HeartbeatMessage),
    );
  }, heartbeatMs);
  const sweep = setInterval(() => {
    const now = Date.now();
    connections.prune(now);
    fanOut.sweep(now);
  }, limits.sweepIntervalMs);
  logger.info({ host: options.host, port, auth: auth.enabled }, 'gateway listening');

  return {
    port,
    routes,
    close: async () => {
      clearInterval(heartbeat);
      clearInterval(sweep);
      bootstrap.stop();
      freshness.stop();
      closeListenSocket(listenSocket);
      connections.closeAll();
      saved.stop();
      await scans.stop();
      await Promise.all([feed.stop(), alerts.stop()]);
      logger.info('gateway closed');
    },
  };
}
