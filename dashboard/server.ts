import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { QUEUES, type Keys } from '../shared/bus/keys.js';
import { AllowedOrigins, HostNames } from '../shared/http-origin.js';
import { matchesDigest, secretDigest } from '../shared/secret-digest.js';
import type { Logger } from '../shared/logger.js';

/**
 * The job dashboard: bull-board over every BullMQ queue of the product, on a small Express server of its own
 * (bull-board has no uWS adapter, so it cannot share the gateway's server). Operators retry, promote and clean
 * jobs here, so the board is not read-only; it is behind HTTP basic auth whenever a password is set (an empty
 * password is allowed on a loopback bind only — shared/config.ts enforces that).
 *
 * Routes: `/health` (no auth), the UI at `/` and bull-board's JSON API under `/api/`.
 */

export interface DashboardOptions {
  readonly port: number;
  readonly host: string;
  /** Basic-auth user name (DASHBOARD_USER). */
  readonly user: string;
  /** Basic-auth password (DASHBOARD_PASSWORD); empty = no authentication. */
  readonly password: string;
  /**
   * Redis connection the queues use and /health reports on. Not a blocking connection: the board only issues
   * short commands. The caller owns it (close() leaves it open) and should log its 'error' events.
   */
  readonly connection: Redis;
  /** The product's keys: the queues are opened under `keys.bullPrefix`, the same prefix the jobs worker uses. */
  readonly keys: Keys;
  readonly logger: Logger;
}

export interface Dashboard {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** The port could not be bound. */
export class DashboardListenError extends Error {
  override readonly name = 'DashboardListenError';
}

/** Realm of the basic-auth challenge; browsers show it in their login prompt. */
const REALM = 'scanner jobs';
/**
 * How long close() lets in-flight requests finish before cutting their sockets. The UI polls every few
 * seconds over keep-alive connections, which would otherwise hold server.close() open until they time out.
 */
const CLOSE_GRACE_MS = 2000;
/** Host names a no-auth (loopback-only) dashboard answers to; anything else is a DNS-rebinding attempt. */
const LOOPBACK_HOSTS = new HostNames([]);
/** Writes only from the board's own page (or a client that sends no Origin); the same rule as the gateway's. */
const OWN_PAGES_ONLY = new AllowedOrigins([]);

/** What each queue carries, shown under its name in the UI. Keyed by QUEUES so a new queue needs a line. */
const QUEUE_DESCRIPTIONS: Record<keyof typeof QUEUES, string> = {
  persistence: 'Scan results and live volume slots → PostgreSQL (at-least-once, idempotent writes).',
  subscriptions:
    'Hot-set notices → the feed process, which syncs its vendor per-second subscriptions to the stored set (at most one waits).',
  backfill: 'Scheduled daily-history backfill from the vendor REST API.',
  metadata: 'Scheduled ticker metadata refresh (market cap, float, sector).',
  bootstrap:
    'First-start bootstrap: reference data, then RVOL history, when they are missing (resumable; a start with complete data finishes at once).',
};

/** Starts the dashboard; resolves once it listens. Does not wait for Redis: /health reports it instead. */
export async function startDashboardServer(options: DashboardOptions): Promise<Dashboard> {
  const { logger, connection } = options;
  const queues = (Object.keys(QUEUES) as (keyof typeof QUEUES)[]).map((key) => {
    const queue = new Queue(QUEUES[key], { connection, prefix: options.keys.bullPrefix });
    // The connection's owner already logs each outage at warn; the same error repeated per queue is noise.
    queue.on('error', (err) => logger.debug({ err: err.message, queue: queue.name }, 'queue error'));
    return { key, queue };
  });

  const board = new ExpressAdapter();
  board.setBasePath('/');
  createBullBoard({
    queues: queues.map(
      ({ key, queue }) =>
        new BullMQAdapter(queue, {
          readOnlyMode: false,
          allowRetries: true,
          description: QUEUE_DESCRIPTIONS[key],
        }),
    ),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Scanner jobs' } },
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    const up = connection.status === 'ready';
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'degraded', redis: up ? 'up' : 'down' });
  });
  app.use(basicAuth(options.user, options.password));
  if (options.password === '') app.use(loopbackHostOnly(logger));
  app.use(sameOriginWrites(logger));
  // Without Redis every bull-board API call would wait in ioredis's offline queue (the connection never gives
  // up on a command); answer 503 soon so the UI shows an error instead of spinning. A connection still being
  // made (just after start, or a reconnect in progress) gets a short grace before that.
  app.use('/api', (_req, res, next) => {
    void whenReady(connection, REDIS_GRACE_MS).then((up) => {
      if (up) return next();
      res.status(503).json({ error: 'redis_unavailable', message: 'Redis is not reachable' });
    });
  });
  app.use(board.getRouter());
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err, method: req.method, path: req.path }, 'dashboard request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal' });
  });

  const server = createServer(app);
  try {
    await listen(server, options.host, options.port);
  } catch (err) {
    await Promise.allSettled(queues.map(({ queue }) => queue.close()));
    throw new DashboardListenError(
      `cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const port = (server.address() as AddressInfo).port;
  logger.info(
    { host: options.host, port, prefix: options.keys.bullPrefix, auth: options.password !== '' },
    'dashboard listening',
  );

  let closing: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        await stopped;
        clearTimeout(cut);
        await Promise.allSettled(queues.map(({ queue }) => queue.close()));
      })()),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** HTTP basic auth; a no-op when no password is set. */
function basicAuth(user: string, password: string) {
  const want = { user: secretDigest(user), password: secretDigest(password) };
  return (req: Request, res: Response, next: NextFunction) => {
    if (password === '') return next();
    const given = parseBasic(req.headers.authorization);
    // Both parts are always compared (no short-circuit), so timing does not tell which one was wrong.
    const userOk = matchesDigest(want.user, given?.user ?? '');
    const passwordOk = matchesDigest(want.password, given?.password ?? '');
    if (given && userOk && passwordOk) return next();
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`)
      .json({ error: 'unauthorized', message: 'missing or wrong credentials' });
  };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Without a password the loopback bind is the only protection, and a DNS-rebinding page (evil.example resolving
 * to 127.0.0.1) would get past it as a same-origin request: answer only to loopback host names.
 */
function loopbackHostOnly(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (LOOPBACK_HOSTS.accepts(req.headers.host)) return next();
    logger.info({ host: req.headers.host }, 'refused a request for a non-loopback Host name');
    res
      .status(403)
      .json({ error: 'forbidden', message: 'a dashboard without a password answers on loopback names only' });
  };
}

/**
 * A browser sends basic-auth credentials (and reaches a no-auth loopback board) from any page it visits, so a
 * cross-site form could retry or clean jobs. Browsers always send Origin on cross-origin writes: reject a write
 * whose Origin is not this server.
 */
function sameOriginWrites(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (OWN_PAGES_ONLY.accepts(req.headers.origin, req.headers.host)) return next();
    logger.info({ origin: req.headers.origin, method: req.method }, 'refused a cross-origin write');
    res.status(403).json({ error: 'forbidden', message: 'cross-origin writes are not accepted' });
  };
}

/** How long an API request waits for a Redis connection that is not ready before answering 503. */
const REDIS_GRACE_MS = 1000;

/** true once the connection is ready, false if it is not within `ms`. */
function whenReady(connection: Redis, ms: number): Promise<boolean> {
  if (connection.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (up: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      resolve(up);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    connection.once('ready', onReady);
  });
}
