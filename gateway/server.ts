import type { Redis } from 'ioredis';
import type { Queryable } from '../shared/db/database.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import type { ClientMessage, ERROR_CODES } from '../shared/protocol/messages.js';
import type { ListName } from '../shared/scan/lists.js';
import { requestToken, TokenCheck } from './auth.js';
import { parseClientMessage, selectedLists } from './client-protocol.js';
import { registerHttpRoutes } from './http-routes.js';
import { ListFeed } from './list-feed.js';
import { GatewayMetrics } from './metrics.js';
import {
  App,
  closeListenSocket,
  COMPRESSION_DISABLED,
  listenSocketPort,
  SEND_DROPPED,
  type HttpRequest,
  type HttpResponse,
  type ListenSocket,
  type SocketContext,
  type WebSocket,
} from './uws.js';
import { loadWebAssets, registerWebRoutes } from './web/assets.js';

/*
 * Conflation policy (SPEC §8: a slow client never slows others nor grows memory without bound).
 *
 * Sizes: a fully populated row is 767 B of JSON (measured), so a 20-row snapshot is ≈ 15 KB and a snapshot of
 * all 11 lists ≈ 170 KB; a normal stream is ≈ 11 small deltas per 5 s scan plus hot rescans (a few KB/s).
 *
 * - `maxBackpressureBytes` (default 1 MiB) is uWS's hard per-socket cap: above it uWS drops what we send.
 * - Past CONFLATE_AT = cap / 2 (512 KiB ≈ 34 list snapshots behind) the socket leaves its list topics: it
 *   gets no more deltas. Half the cap stays free so that a full resync of all 11 lists still fits below it.
 *   Every publish batch is followed (same tick) by a scan of buffered amounts, so a message uWS dropped at the
 *   cap is always seen as conflation, never as a silent gap.
 * - Once drained to RESUME_AT = cap / 16 (64 KiB) (uWS `drain` event, or the 1 s sweep) it rejoins its topics
 *   and gets the current snapshot of each of its lists: it skipped the deltas in between, not their effect.
 * - Still above RESUME_AT `slowConsumerTimeoutMs` (default 30 s) after conflation began → `slow_consumer`
 *   error and close (uWS then waits ≈ 15 s for a close reply it will not get): a stuck client costs at most
 *   the cap in memory, for at most that long.
 */
const DEFAULT_MAX_BACKPRESSURE = 1024 * 1024;
const DEFAULT_SLOW_CONSUMER_TIMEOUT_MS = 30_000;
/** Client frames are tiny (a subscribe to every list is < 300 B); uWS closes a socket sending more. */
const MAX_PAYLOAD_BYTES = 4 * 1024;
/** Client messages per socket per second; more get `rate_limited` and are ignored. */
const RATE_LIMIT_PER_SECOND = 50;
/** Bad frames (bad_request / unknown_list) a socket may send before it is closed. */
const MAX_BAD_MESSAGES = 5;
/** uWS idle timeout, s: its automatic pings keep a quiet but healthy client open. */
const IDLE_TIMEOUT_S = 120;
const CLOSE_POLICY_VIOLATION = 1008;
const CLOSE_GOING_AWAY = 1001;

const HEARTBEAT_TOPIC = 'heartbeat';
/** uWS topic of a list's messages: built here only. */
export const listTopic = (list: ListName): string => `list:${list}`;

type ErrorCode = (typeof ERROR_CODES)[number];

export interface GatewayOptions {
  readonly port: number;
  readonly host: string;
  /** Accepted tokens; empty = no authentication. */
  readonly tokens: readonly string[];
  readonly heartbeatMs: number;
  readonly redis: Redis;
  readonly keys: Keys;
  /** Filters CRUD and ticker lookups. */
  readonly db: Queryable;
  readonly logger: Logger;
  readonly maxBackpressureBytes?: number;
  readonly slowConsumerTimeoutMs?: number;
}

export interface Gateway {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** The port could not be bound. */
export class GatewayListenError extends Error {
  override readonly name = 'GatewayListenError';
}

interface ClientState {
  readonly id: number;
  readonly lists: Set<ListName>;
  /** ms when the socket was taken off its topics for backpressure; undefined when live. */
  conflatedSince: number | undefined;
  bad: number;
  windowStart: number;
  windowCount: number;
}
type Socket = WebSocket<ClientState>;

/**
 * The WebSocket and HTTP gateway of SPEC §8 on one uWS app: `/ws` for clients, plus the routes of
 * http-routes.ts. List messages come from a {@link ListFeed} and fan out by uWS topic (one per list).
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { logger, redis, heartbeatMs } = options;
  const cap = options.maxBackpressureBytes ?? DEFAULT_MAX_BACKPRESSURE;
  const conflateAt = cap / 2;
  const resumeAt = cap / 16;
  const slowTimeoutMs = options.slowConsumerTimeoutMs ?? DEFAULT_SLOW_CONSUMER_TIMEOUT_MS;
  const auth = new TokenCheck(options.tokens);
  const sockets = new Set<Socket>();
  let nextId = 1;
  let checkQueued = false;
  const metrics = new GatewayMetrics({
    clients: () => sockets.size,
    redisUp: () => redis.status === 'ready' && feed.healthy,
    redis,
    keys: options.keys,
  });

  const feed = new ListFeed({
    redis,
    keys: options.keys,
    logger,
    onMessage: (msg, json) => {
      metrics.messagesForwarded.inc();
      app.publish(listTopic(msg.list), json);
      queueBackpressureCheck();
    },
  });

  /** Runs in the same tick as the publishes (a microtask), before uWS can drain anything. */
  function queueBackpressureCheck(): void {
    if (checkQueued) return;
    checkQueued = true;
    queueMicrotask(() => {
      checkQueued = false;
      for (const ws of sockets) {
        if (ws.getUserData().conflatedSince === undefined && ws.getBufferedAmount() > conflateAt)
          conflate(ws);
      }
    });
  }

  function conflate(ws: Socket): void {
    const s = ws.getUserData();
    if (s.conflatedSince !== undefined) return;
    s.conflatedSince = Date.now();
    metrics.conflations.inc();
    for (const l of s.lists) ws.unsubscribe(listTopic(l));
    logger.info({ client: s.id, buffered: ws.getBufferedAmount() }, 'slow client: deltas paused');
  }

  function resume(ws: Socket): void {
    const s = ws.getUserData();
    s.conflatedSince = undefined;
    logger.info({ client: s.id }, 'slow client drained: sending fresh snapshots');
    ws.cork(() => {
      for (const l of s.lists) {
        ws.subscribe(listTopic(l));
        sendSnapshot(ws, l);
      }
    });
  }

  function send(ws: Socket, json: string): void {
    const r = ws.send(json);
    if (r === SEND_DROPPED || ws.getBufferedAmount() > conflateAt) conflate(ws);
  }

  function sendSnapshot(ws: Socket, list: ListName): void {
    const snap = feed.snapshot(list);
    // Not published yet: the orchestrator's first message of a list is a snapshot, which the topic delivers.
    if (snap) send(ws, snap.json);
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
            if (s.conflatedSince !== undefined) continue;
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
        if (s.conflatedSince === undefined) sendSnapshot(ws, msg.list);
        return;
      case 'ping':
        send(ws, JSON.stringify({ type: 'pong', id: msg.id }));
        return;
    }
  }

  function onMessage(ws: Socket, data: ArrayBuffer, isBinary: boolean): void {
    const s = ws.getUserData();
    const now = Date.now();
    if (now - s.windowStart >= 1000) {
      s.windowStart = now;
      s.windowCount = 0;
    }
    if (++s.windowCount > RATE_LIMIT_PER_SECOND) {
      // One error per window: answering every excess frame would amplify the flood.
      if (s.windowCount === RATE_LIMIT_PER_SECOND + 1) {
        sendError(ws, 'rate_limited', `more than ${RATE_LIMIT_PER_SECOND} messages per second`);
      }
      return;
    }
    const parsed = isBinary
      ? ({ ok: false, code: 'bad_request', message: 'binary frames are not accepted' } as const)
      : parseClientMessage(Buffer.from(data).toString('utf8'));
    if (parsed.ok) return handle(ws, parsed.msg);
    sendError(ws, parsed.code, parsed.message);
    if (++s.bad >= MAX_BAD_MESSAGES) {
      logger.info({ client: s.id }, 'closing a client after repeated bad messages');
      ws.end(CLOSE_POLICY_VIOLATION, 'too many bad messages');
    }
  }

  function upgrade(res: HttpResponse, req: HttpRequest, context: SocketContext): void {
    if (!auth.accepts(requestToken(req))) {
      metrics.unauthorized.inc({ via: 'ws' });
      res.cork(() => {
        res
          .writeStatus('401 Unauthorized')
          .writeHeader('content-type', 'application/json')
          .end('{"type":"error","code":"unauthorized","message":"missing or wrong token"}');
      });
      return;
    }
    const state: ClientState = {
      id: nextId++,
      lists: new Set(),
      conflatedSince: undefined,
      bad: 0,
      windowStart: 0,
      windowCount: 0,
    };
    res.upgrade(
      state,
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  }

  const app = App().ws<ClientState>('/ws', {
    maxPayloadLength: MAX_PAYLOAD_BYTES,
    maxBackpressure: cap,
    closeOnBackpressureLimit: 0,
    idleTimeout: IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    compression: COMPRESSION_DISABLED,
    upgrade,
    open: (ws) => {
      sockets.add(ws);
      ws.subscribe(HEARTBEAT_TOPIC);
      logger.debug({ client: ws.getUserData().id }, 'client connected');
    },
    message: onMessage,
    drain: (ws) => {
      const s = ws.getUserData();
      if (s.conflatedSince !== undefined && ws.getBufferedAmount() <= resumeAt) resume(ws);
    },
    close: (ws, code) => {
      sockets.delete(ws);
      logger.debug({ client: ws.getUserData().id, code }, 'client disconnected');
    },
  });
  registerHttpRoutes(app, {
    feed,
    redis,
    db: options.db,
    auth,
    metrics,
    logger,
    clients: () => sockets.size,
  });
  const web = await loadWebAssets();
  registerWebRoutes(app, web);

  await feed.start();
  const listenSocket = await new Promise<ListenSocket>((resolve, reject) => {
    app.listen(options.host, options.port, (ls) =>
      ls ? resolve(ls) : reject(new GatewayListenError(`cannot listen on ${options.host}:${options.port}`)),
    );
  }).catch(async (err: unknown) => {
    await feed.stop();
    throw err;
  });
  const port = listenSocketPort(listenSocket);

  const heartbeat = setInterval(() => {
    app.publish(
      HEARTBEAT_TOPIC,
      JSON.stringify({ type: 'heartbeat', ts: new Date().toISOString(), seqs: feed.seqs() }),
    );
    queueBackpressureCheck();
  }, heartbeatMs);
  // The drain event is the fast path back; the sweep also catches a socket that drained without one.
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const ws of [...sockets]) {
        const since = ws.getUserData().conflatedSince;
        if (since === undefined) continue;
        if (ws.getBufferedAmount() <= resumeAt) resume(ws);
        else if (now - since > slowTimeoutMs) {
          logger.warn(
            { client: ws.getUserData().id, buffered: ws.getBufferedAmount() },
            'closing a slow consumer',
          );
          metrics.slowConsumerCloses.inc();
          sendError(ws, 'slow_consumer', `not reading for more than ${slowTimeoutMs} ms`);
          ws.end(CLOSE_POLICY_VIOLATION, 'slow_consumer');
        }
      }
    },
    Math.min(1000, Math.max(50, slowTimeoutMs / 4)),
  );
  logger.info({ host: options.host, port, auth: auth.enabled }, 'gateway listening');

  return {
    port,
    close: async () => {
      clearInterval(heartbeat);
      clearInterval(sweep);
      closeListenSocket(listenSocket);
      // end() runs the close handler at once, which edits the set: iterate a copy.
      for (const ws of [...sockets]) ws.end(CLOSE_GOING_AWAY, 'server shutting down');
      await feed.stop();
      logger.info('gateway closed');
    },
  };
}
