import type { Redis } from 'ioredis';
import type { Queryable } from '../shared/db/database.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import type { ClientMessage, ERROR_CODES, HeartbeatMessage } from '../shared/protocol/messages.js';
import type { ListName } from '../shared/scan/lists.js';
import { Admission, type AdmissionRefusal } from './admission.js';
import { requestToken, TokenCheck } from './auth.js';
import { ClientPolicy, clientLimits, RATE_LIMIT_PER_SECOND, type BacklogDecision } from './client-policy.js';
import { parseClientMessage, selectedLists } from './client-protocol.js';
import { refuseUpgrade as refuse } from './http.js';
import { registerHttpRoutes } from './http-routes.js';
import { ListFeed } from './list-feed.js';
import { FreshnessWatch } from './freshness.js';
import { DatabaseProbe } from './health.js';
import { GatewayMetrics } from './metrics.js';
import { BootstrapView } from './bootstrap-view.js';
import { guardRefusalReply, RequestGuard, type GuardRefusal } from './request-guard.js';
import { recordRoutes, type RegisteredRoute } from './route-recorder.js';
import {
  App,
  closeListenSocket,
  COMPRESSION,
  type Compression,
  listenSocketPort,
  SEND_DROPPED,
  type HttpRequest,
  type HttpResponse,
  type ListenSocket,
  type SocketContext,
  type WebSocket,
} from './uws.js';
import { loadWebAssets, registerWebRoutes } from './web/assets.js';

/** Client frames are tiny (a subscribe to every list is < 300 B); uWS closes a socket sending more. */
const MAX_PAYLOAD_BYTES = 4 * 1024;
/** uWS idle timeout, s: its automatic pings keep a quiet but healthy client open. */
const IDLE_TIMEOUT_S = 120;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_GOING_AWAY = 1001;

const DEFAULT_MAX_CONNECTIONS_PER_IP = 200;
const DEFAULT_MAX_UPGRADES_PER_SECOND = 20;

const HEARTBEAT_TOPIC = 'heartbeat';
/** uWS topic of a list's messages: built here only. */
export const listTopic = (list: ListName): string => `list:${list}`;

type ErrorCode = (typeof ERROR_CODES)[number];

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

interface ClientState {
  readonly id: number;
  /** The client's address, as admitted (released on close). */
  readonly address: string;
  readonly lists: Set<ListName>;
  /** Rate limit, bad frames and conflation: the decisions, this file doing the I/O they name. */
  readonly policy: ClientPolicy;
}
type Socket = WebSocket<ClientState>;

/**
 * The WebSocket and HTTP gateway of SPEC §8 on one uWS app: `/ws` for clients, plus the routes of
 * http-routes.ts. List messages come from a {@link ListFeed} and fan out by uWS topic (one per list).
 */
export async function startGatewayServer(options: GatewayOptions): Promise<Gateway> {
  const { logger, redis, heartbeatMs } = options;
  // Conflation policy: see the design note in client-policy.ts.
  const limits = clientLimits(options);
  const auth = new TokenCheck(options.tokens);
  const guard = new RequestGuard({ hosts: options.hosts ?? [], origins: options.origins ?? [] });
  const admission = new Admission({
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP,
    maxUpgradesPerSecond: options.maxUpgradesPerSecond ?? DEFAULT_MAX_UPGRADES_PER_SECOND,
  });
  const sockets = new Set<Socket>();
  let nextId = 1;
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
    clients: () => sockets.size,
    redisUp: () => redis.status === 'ready' && feed.healthy,
    postgresUp: () => postgres.isUp(),
    freshness: () => freshness.current(),
    redis,
    keys: options.keys,
  });

  let checkQueued = false;
  const feed = new ListFeed({
    redis,
    keys: options.keys,
    logger,
    onMessage: (msg, json) => {
      metrics.messagesForwarded.inc();
      app.publish(listTopic(msg.list), json, false, true);
      queueBackpressureCheck();
    },
  });

  /** Runs in the same tick as the publishes (a microtask), before uWS can drain anything. */
  function queueBackpressureCheck(): void {
    if (checkQueued) return;
    checkQueued = true;
    queueMicrotask(() => {
      checkQueued = false;
      const now = Date.now();
      for (const ws of sockets) {
        if (ws.getUserData().policy.afterSend(now, ws.getBufferedAmount()) === 'conflate') conflate(ws);
      }
    });
  }

  /** The policy has just marked `ws` conflated: take it off its list topics. */
  function conflate(ws: Socket): void {
    const s = ws.getUserData();
    metrics.conflations.inc();
    // Heartbeats too: nothing but the final frames may grow the buffer of a socket that is not reading.
    ws.unsubscribe(HEARTBEAT_TOPIC);
    for (const l of s.lists) ws.unsubscribe(listTopic(l));
    logger.info({ client: s.id, buffered: ws.getBufferedAmount() }, 'slow client: deltas paused');
  }

  /** The policy has just marked `ws` live again: back on its topics, with fresh snapshots. */
  function resume(ws: Socket): void {
    const s = ws.getUserData();
    logger.info({ client: s.id }, 'slow client drained: sending fresh snapshots');
    ws.cork(() => {
      ws.subscribe(HEARTBEAT_TOPIC);
      for (const l of s.lists) {
        ws.subscribe(listTopic(l));
        sendSnapshot(ws, l);
      }
    });
  }

  function send(ws: Socket, json: string): void {
    const policy = ws.getUserData().policy;
    // A conflated socket keeps the room the slow_consumer frames need (pongs to a client that pings but does
    // not read must not use it up); what it misses here it gets again as snapshots when it drains.
    if (policy.conflated && ws.getBufferedAmount() + json.length > limits.finalFramesFitBytes) return;
    const dropped = ws.send(json, false, true) === SEND_DROPPED;
    if (policy.afterSend(Date.now(), ws.getBufferedAmount(), dropped) === 'conflate') conflate(ws);
  }

  function sendSnapshot(ws: Socket, list: ListName): void {
    const snap = feed.snapshot(list);
    // Not published yet: the orchestrator's first message of a list is a snapshot, which the topic delivers.
    if (snap) send(ws, snap.json);
  }

  /**
   * The error frame and the close frame both name the reason. Neither can overtake the bytes the client has not
   * read (one TCP stream), and uWS drops anything sent past its cap, so the policy calls this only once they fit
   * (it waits for the client to read some, see client-policy.ts); the client finds them after its backlog.
   */
  function closeSlowConsumer(ws: Socket): void {
    const message = `not reading for more than ${limits.slowConsumerTimeoutMs} ms`;
    logger.warn({ client: ws.getUserData().id, buffered: ws.getBufferedAmount() }, 'closing a slow consumer');
    metrics.slowConsumerCloses.inc();
    metrics.clientErrors.inc({ code: 'slow_consumer' });
    ws.send(JSON.stringify({ type: 'error', code: 'slow_consumer', message }));
    ws.end(CLOSE_POLICY_VIOLATION, `slow_consumer: ${message}`);
  }

  /** Still not reading after the grace given to learn why: cut it (it would not read the frames anyway). */
  function terminateSlowConsumer(ws: Socket): void {
    logger.warn({ client: ws.getUserData().id }, 'terminating a slow consumer that never read its close');
    metrics.slowConsumerCloses.inc();
    ws.close();
  }

  function onBacklog(ws: Socket, decision: BacklogDecision): void {
    switch (decision) {
      case 'resume':
        return resume(ws);
      case 'close_slow':
        return closeSlowConsumer(ws);
      case 'terminate':
        return terminateSlowConsumer(ws);
      case 'wait':
        return;
    }
  }

  function sendError(ws: Socket, code: ErrorCode, message: string): void {
    metrics.clientErrors.inc({ code });
    send(ws, JSON.stringify({ type: 'error', code, message }));
  }

  function handle(ws: Socket, msg: ClientMessage): void {
    const s = ws.getUserData();
    switch (msg.op) {
      case 'subscribe':
        ws.cork(() => {
          for (const l of selectedLists(msg.lists)) {
            s.lists.add(l);
            // A conflated socket gets its snapshots when it drains.
            if (s.policy.conflated) continue;
            ws.subscribe(listTopic(l));
            sendSnapshot(ws, l);
          }
        });
        return;
      case 'unsubscribe':
        for (const l of selectedLists(msg.lists)) {
          s.lists.delete(l);
          ws.unsubscribe(listTopic(l));
        }
        return;
      case 'resync':
        if (!s.policy.conflated) sendSnapshot(ws, msg.list);
        return;
      case 'ping':
        send(ws, JSON.stringify({ type: 'pong', id: msg.id }));
        return;
    }
  }

  function onMessage(ws: Socket, data: ArrayBuffer, isBinary: boolean): void {
    const s = ws.getUserData();
    switch (s.policy.onMessage(Date.now())) {
      case 'accept':
        break;
      case 'notify_rate_limited':
        sendError(ws, 'rate_limited', `more than ${RATE_LIMIT_PER_SECOND} messages per second`);
        return;
      case 'drop':
        return;
    }
    const parsed = isBinary
      ? ({ ok: false, code: 'bad_request', message: 'binary frames are not accepted' } as const)
      : parseClientMessage(Buffer.from(data).toString('utf8'));
    if (parsed.ok) return handle(ws, parsed.msg);
    sendError(ws, parsed.code, parsed.message);
    if (s.policy.onBadMessage() === 'close') {
      logger.info({ client: s.id }, 'closing a client after repeated bad messages');
      ws.end(CLOSE_POLICY_VIOLATION, 'too many bad messages');
    }
  }

  function refuseUpgrade(res: HttpResponse, reason: GuardRefusal | AdmissionRefusal): void {
    metrics.refusedUpgrades.inc({ reason });
    if (reason === 'host' || reason === 'origin') {
      const r = guardRefusalReply(reason);
      return refuse(
        res,
        `${r.status} ${r.status === 421 ? 'Misdirected Request' : 'Forbidden'}`,
        r.code,
        r.message,
      );
    }
    const message =
      reason === 'upgrade_rate'
        ? 'too many connection attempts from this address; retry later'
        : 'too many connections from this address';
    refuse(res, '429 Too Many Requests', 'too_many_connections', message);
  }

  // Synchronous on purpose: uWS's request and response are only valid until the handler returns or awaits.
  function upgrade(res: HttpResponse, req: HttpRequest, context: SocketContext): void {
    const refused = guard.check({
      method: req.getMethod(),
      host: req.getHeader('host'),
      origin: req.getHeader('origin'),
      upgrade: true,
    });
    if (refused !== undefined) return refuseUpgrade(res, refused);
    if (!auth.accepts(requestToken(req))) {
      metrics.unauthorized.inc({ via: 'ws' });
      return refuse(res, '401 Unauthorized', 'unauthorized', 'missing or wrong token');
    }
    const address = Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
    const admitted = admission.admit(address, Date.now());
    if (admitted !== 'admit') {
      logger.debug({ address, reason: admitted }, 'upgrade refused');
      return refuseUpgrade(res, admitted);
    }
    const state: ClientState = {
      id: nextId++,
      address,
      lists: new Set(),
      policy: new ClientPolicy(limits),
    };
    res.upgrade(
      state,
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  }

  const routes: RegisteredRoute[] = [];
  const app = recordRoutes(App(), routes).ws<ClientState>('/ws', {
    maxPayloadLength: MAX_PAYLOAD_BYTES,
    maxBackpressure: limits.maxBackpressureBytes,
    closeOnBackpressureLimit: 0,
    idleTimeout: IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    compression: COMPRESSION[options.compression ?? 'off'],
    upgrade,
    open: (ws) => {
      sockets.add(ws);
      ws.subscribe(HEARTBEAT_TOPIC);
      logger.debug({ client: ws.getUserData().id }, 'client connected');
    },
    message: onMessage,
    drain: (ws) => onBacklog(ws, ws.getUserData().policy.onDrain(Date.now(), ws.getBufferedAmount())),
    close: (ws, code) => {
      sockets.delete(ws);
      admission.release(ws.getUserData().address);
      logger.debug({ client: ws.getUserData().id, code }, 'client disconnected');
    },
  });
  registerHttpRoutes(app, {
    feed,
    redis,
    db: options.db,
    auth,
    guard,
    metrics,
    logger,
    clients: () => sockets.size,
    bootstrap: () => bootstrap.current,
    freshness,
    postgres,
  });
  const web = await loadWebAssets();
  registerWebRoutes(app, web);

  await feed.start();
  bootstrap.start();
  await Promise.all([freshness.start(), postgres.check()]);
  const listenSocket = await new Promise<ListenSocket>((resolve, reject) => {
    app.listen(options.host, options.port, (ls) =>
      ls ? resolve(ls) : reject(new GatewayListenError(`cannot listen on ${options.host}:${options.port}`)),
    );
  }).catch(async (err: unknown) => {
    bootstrap.stop();
    freshness.stop();
    await feed.stop();
    throw err;
  });
  const port = listenSocketPort(listenSocket);

  const heartbeat = setInterval(() => {
    app.publish(
      HEARTBEAT_TOPIC,
      JSON.stringify({
        type: 'heartbeat',
        ts: new Date().toISOString(),
        seqs: feed.seqs(),
        ...freshness.current(),
      } satisfies HeartbeatMessage),
    );
    queueBackpressureCheck();
  }, heartbeatMs);
  // The drain event is the fast path back; the sweep also catches a socket that drained without one.
  const sweep = setInterval(() => {
    const now = Date.now();
    admission.prune(now);
    for (const ws of [...sockets])
      onBacklog(ws, ws.getUserData().policy.onSweep(now, ws.getBufferedAmount()));
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
      // end() runs the close handler at once, which edits the set: iterate a copy.
      for (const ws of [...sockets]) ws.end(CLOSE_GOING_AWAY, 'server shutting down');
      await feed.stop();
      logger.info('gateway closed');
    },
  };
}
