import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../shared/logger.js';

/*
 * The WebSocket half of the fake vendor (docs/vendor.md §2, §9.7): `connected` on
 * open, auth within a timeout, one `success` ack per subscribed param, batched mixed-event arrays, and
 * `max_connections` eviction of the older connection on the same key. Tests push events, or a market
 * streams them (market-stream.ts); faults: drop connections, fail auth, go silent, stop reading.
 */

/** Close code the fake uses when it throws a client out (auth failure/timeout, eviction): policy violation. */
export const POLICY_VIOLATION = 1008;

const MAX_CONNECTIONS_MESSAGE =
  'Maximum number of websocket connections exceeded. You have reached the connection limit for your account. Please contact support at https://polygon.io/contact to increase your limit.';

export interface FakeWsOptions {
  readonly apiKeys: ReadonlySet<string>;
  /** No `auth` within this → `auth_timeout`, then close. */
  readonly authTimeoutMs: number;
  /** Channels the simulated plan lacks (e.g. `NOI`, `Q` on the delayed cluster) → `error` "not authorized". */
  readonly forbiddenChannels: ReadonlySet<string>;
  /** Connections, auth and subscriptions are logged here when given (the CLI); tests stay quiet. */
  readonly logger?: Logger;
}

export interface FakeWsConnection {
  readonly id: number;
  readonly socket: WebSocket;
  key: string | undefined;
  authed: boolean;
  /** Set by {@link FakeWs.stopSending}: this connection gets nothing more, not even acks. */
  muted: boolean;
  readonly subscriptions: Set<string>;
  authTimer: NodeJS.Timeout | undefined;
  closeCode?: number;
}

export interface ReceivedMessage {
  readonly connectionId: number;
  /** Parsed JSON, or the raw text when it was not JSON. */
  readonly message: unknown;
}

interface ClientAction {
  readonly action?: unknown;
  readonly params?: unknown;
}

/** An element of an aggregate frame: at least `ev` and `sym`. */
export type PushedEvent = { readonly ev: string; readonly sym: string } & Record<string, unknown>;

export class FakeWs {
  /** Every client message, in arrival order. */
  readonly received: ReceivedMessage[] = [];
  /** Every connection ever accepted, oldest first (closed ones stay, with `closeCode`). */
  readonly connections: FakeWsConnection[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private nextId = 1;
  private failingAuth = false;

  constructor(private readonly options: FakeWsOptions) {
    this.wss.on('connection', (socket) => this.accept(socket));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** Connections still open. */
  get open(): FakeWsConnection[] {
    return this.connections.filter((c) => c.closeCode === undefined);
  }

  /** Client messages whose `action` is `action` (e.g. `subscribe`), optionally on one connection. */
  actions(action: string, connectionId?: number): ClientAction[] {
    return this.received
      .filter((r) => connectionId === undefined || r.connectionId === connectionId)
      .map((r) => r.message as ClientAction)
      .filter((m) => typeof m === 'object' && m !== null && m.action === action);
  }

  /**
   * Sends each authenticated, unmuted connection one array frame with the events it subscribed to
   * (`A.X`, or `A.*`). Returns the number of frames sent.
   */
  pushAggregates(events: readonly PushedEvent[]): number {
    let frames = 0;
    for (const c of this.open) {
      if (!c.authed || c.muted) continue;
      const mine = events.filter(
        (e) => c.subscriptions.has(`${e.ev}.${e.sym}`) || c.subscriptions.has(`${e.ev}.*`),
      );
      if (mine.length === 0) continue;
      this.send(c, mine);
      frames++;
    }
    return frames;
  }

  /**
   * The symbols authenticated, unmuted connections subscribed to on `channel` (`A`, `AM`…), or 'all' when
   * one of them subscribed `<channel>.*`: what a market has to produce for the next frame.
   */
  subscribedSymbols(channel: string): ReadonlySet<string> | 'all' {
    const symbols = new Set<string>();
    for (const c of this.open) {
      if (!c.authed || c.muted) continue;
      for (const param of c.subscriptions) {
        const dot = param.indexOf('.');
        if (dot < 0 || param.slice(0, dot) !== channel) continue;
        const symbol = param.slice(dot + 1);
        if (symbol === '*') return 'all';
        symbols.add(symbol);
      }
    }
    return symbols;
  }

  /** Sends `elements` as one frame, unfiltered, to every authenticated, unmuted connection. */
  pushFrame(elements: readonly unknown[]): void {
    for (const c of this.open) if (c.authed && !c.muted) this.send(c, elements);
  }

  /** Sends raw text (e.g. something that is not JSON) to every authenticated, unmuted connection. */
  pushText(text: string): void {
    for (const c of this.open) if (c.authed && !c.muted) c.socket.send(text);
  }

  /** Drops every open connection: `abrupt` kills the TCP socket, otherwise a close frame with `code`. */
  disconnectAll(options: { abrupt?: boolean; code?: number } = {}): void {
    for (const c of this.open) {
      if (options.abrupt ?? true) c.socket.terminate();
      else c.socket.close(options.code ?? 1011, 'fake vendor restart');
    }
  }

  /** From now on every `auth` gets `auth_failed`, as for a revoked key. */
  failAuth(on = true): void {
    this.failingAuth = on;
  }

  /** The current connections go silent (no data, no acks) but stay open; new connections behave. */
  stopSending(): void {
    for (const c of this.open) c.muted = true;
  }

  /** The current connections stop reading, so the client's outbound buffer fills up (a stuck vendor). */
  pauseReading(): void {
    for (const c of this.open) c.socket.pause();
  }

  async close(): Promise<void> {
    for (const c of this.connections) clearTimeout(c.authTimer);
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    const conn: FakeWsConnection = {
      id: this.nextId++,
      socket,
      key: undefined,
      authed: false,
      muted: false,
      subscriptions: new Set(),
      authTimer: undefined,
    };
    this.connections.push(conn);
    conn.authTimer = setTimeout(() => {
      if (conn.authed) return;
      this.status(conn, 'auth_timeout', 'No authentication request received.');
      socket.close(POLICY_VIOLATION, 'auth timeout');
    }, this.options.authTimeoutMs);
    // A message arrives as one Buffer (binaryType 'nodebuffer', ws's default), even a fragmented one.
    socket.on('message', (data: Buffer, isBinary: boolean) =>
      this.onMessage(conn, isBinary ? '' : data.toString('utf8')),
    );
    socket.on('close', (code) => {
      clearTimeout(conn.authTimer);
      conn.closeCode = code;
      this.options.logger?.info({ connection: conn.id, code }, 'fake vendor: WebSocket closed');
    });
    socket.on('error', () => undefined); // a client vanishing mid-write is routine here
    this.options.logger?.info({ connection: conn.id }, 'fake vendor: WebSocket connected');
    this.status(conn, 'connected', 'Connected Successfully');
  }

  private onMessage(conn: FakeWsConnection, text: string): void {
    let message: unknown = text;
    try {
      message = JSON.parse(text);
    } catch {
      // kept as text in `received`
    }
    this.received.push({ connectionId: conn.id, message });
    const { action, params } = (
      typeof message === 'object' && message !== null ? message : {}
    ) as ClientAction;
    if (action === 'auth') return this.auth(conn, typeof params === 'string' ? params : '');
    if (action !== 'subscribe' && action !== 'unsubscribe') {
      return this.status(conn, 'error', 'invalid action');
    }
    if (!conn.authed) return this.status(conn, 'error', 'not authenticated');
    const list = (typeof params === 'string' ? params : '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    this.options.logger?.info({ connection: conn.id, action, params: list.length }, `fake vendor: ${action}`);
    for (const param of list) {
      const channel = param.split('.')[0] ?? '';
      if (action === 'subscribe' && this.options.forbiddenChannels.has(channel)) {
        this.status(conn, 'error', 'not authorized');
        continue;
      }
      if (action === 'subscribe') conn.subscriptions.add(param);
      else conn.subscriptions.delete(param);
      this.status(conn, 'success', `${action}d to: ${param}`);
    }
  }

  private auth(conn: FakeWsConnection, key: string): void {
    if (this.failingAuth || !this.options.apiKeys.has(key)) {
      this.options.logger?.warn({ connection: conn.id }, 'fake vendor: WebSocket auth refused');
      this.status(conn, 'auth_failed', 'authentication failed');
      conn.socket.close(POLICY_VIOLATION, 'authentication failed');
      return;
    }
    clearTimeout(conn.authTimer);
    conn.key = key;
    conn.authed = true;
    this.status(conn, 'auth_success', 'authenticated');
    // One connection per key and cluster: the newer one wins and the older is told why, then closed.
    for (const other of this.open) {
      if (other === conn || other.key !== key || !other.authed) continue;
      this.status(other, 'max_connections', MAX_CONNECTIONS_MESSAGE, true);
      other.socket.close(POLICY_VIOLATION, 'max_connections');
    }
  }

  private status(conn: FakeWsConnection, status: string, message: string, evenIfMuted = false): void {
    if (conn.muted && !evenIfMuted) return;
    this.send(conn, [{ ev: 'status', status, message }], evenIfMuted);
  }

  private send(conn: FakeWsConnection, elements: readonly unknown[], evenIfMuted = false): void {
    if ((conn.muted && !evenIfMuted) || conn.socket.readyState !== conn.socket.OPEN) return;
    conn.socket.send(JSON.stringify(elements));
  }
}
