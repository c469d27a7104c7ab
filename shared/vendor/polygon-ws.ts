import WebSocket from 'ws';
import { loadConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { MarketCalendar } from '../market/calendar.js';
import { marketClock } from '../market/session-clock.js';
import { parseWsFrame, type AggregateEvent, type StatusEvent } from './aggregate-schema.js';
import { Backoff, sleep } from '../backoff.js';
import { ConnectionWatch } from './connection-watch.js';
import { VendorAuthError } from './errors.js';
import {
  WS_COUNTERS,
  type AggregateChannel,
  type PolygonWsOptions,
  type PolygonWsState,
  type PolygonWsStats,
} from './polygon-ws-options.js';

/*
 * The vendor's stocks WebSocket (docs/vendor.md §2): per-second (`A`) and
 * per-minute (`AM`) aggregates for the symbols the scanner currently cares about (the hot set, SPEC §7).
 *
 * Lifecycle of one connection: open → `connected` → send auth → `auth_success` → subscribe the whole current
 * set → data. The reconnect loop runs `while` the client is not closed, with capped exponential backoff and
 * full jitter. The backoff is reset only once a connection has stayed up for `stableAfterMs` after auth: a
 * vendor that accepts the key and then drops every connection at once must not be redialled at the initial
 * delay forever. Every status is handled:
 *  - `auth_failed` is fatal: the loop ends and `onFatal` gets a VendorAuthError (a refused key stays refused);
 *  - `max_connections` means another process holds a connection with this key (the vendor allows one per
 *    cluster and evicts the older one): logged as such, and the reconnect waits at least `evictedDelayMs`
 *    so two holders of one key do not evict each other in a tight loop;
 *  - `auth_timeout`, `error` (e.g. "not authorized" for a channel outside the plan) are logged and counted.
 * Liveness (pings with a pong deadline; no data during a session while something is subscribed) is watched by
 * connection-watch.ts, and a dead connection is replaced. Inbound messages over `maxPayloadBytes` close the
 * connection (ws' default of 100 MiB would let one bad frame take that much memory). Outbound messages are
 * dropped when the socket's buffer is over
 * `maxBufferedBytes`; since a dropped subscribe would leave the vendor's view of the set wrong, the
 * connection is then recycled, and the resubscribe on reconnect repairs it.
 */

interface Connection {
  readonly ws: WebSocket;
  fatal: VendorAuthError | undefined;
  evicted: boolean;
  reason: string;
}

/** Why a connection ended. */
type ConnectionOutcome = Readonly<Pick<Connection, 'fatal' | 'evicted' | 'reason'>>;

export class PolygonWsClient {
  private readonly url: string;
  private readonly apiKey: string;
  private readonly channels: readonly AggregateChannel[];
  private readonly isSessionOpen: () => boolean;
  private readonly idleMs: number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly stableAfterMs: number;
  private readonly maxPayloadBytes: number;
  private readonly authTimeoutMs: number;
  private readonly evictedDelayMs: number;
  private readonly maxParams: number;
  private readonly maxBufferedBytes: number;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly controller = new AbortController();
  private readonly symbols = new Set<string>();
  private readonly counters = Object.fromEntries(WS_COUNTERS.map((name) => [name, 0])) as PolygonWsStats;
  private current: Connection | undefined;
  private loop: Promise<void> | undefined;
  private currentState: PolygonWsState = 'idle';

  constructor(private readonly options: PolygonWsOptions) {
    const config = options.apiKey === undefined || options.url === undefined ? loadConfig() : undefined;
    const apiKey = options.apiKey ?? config?.apiKey;
    if (apiKey === undefined || apiKey === '') {
      throw new VendorAuthError('no vendor API key: set POLYGON_API_KEY (or MASSIVE_API_KEY)');
    }
    this.apiKey = apiKey;
    this.url = options.url ?? config?.POLYGON_WS_URL ?? '';
    new URL(this.url); // fail at construction, not inside the reconnect loop
    this.channels = options.channels ?? ['A'];
    const calendar = new MarketCalendar();
    this.isSessionOpen =
      options.isSessionOpen ?? (() => marketClock(Date.now(), calendar).session !== 'CLOSED');
    this.idleMs = options.idleMs ?? 60_000;
    this.pingIntervalMs = options.pingIntervalMs ?? 25_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.stableAfterMs = options.stableAfterMs ?? 30_000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 4 * 1024 * 1024;
    this.authTimeoutMs = options.authTimeoutMs ?? 10_000;
    this.evictedDelayMs = options.evictedDelayMs ?? 10_000;
    this.maxParams = options.maxParamsPerMessage ?? 500;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.backoff = new Backoff({ initialMs: 500, maxMs: 30_000, ...options.backoff });
    this.log = options.logger ?? createLogger('polygon-ws');
  }

  get state(): PolygonWsState {
    return this.currentState;
  }

  /** The symbols subscribed now, or on the next connection. */
  get subscriptions(): ReadonlySet<string> {
    return this.symbols;
  }

  /** Failed connections since the last stable one (drives the backoff; 0 while a connection is stable). */
  get reconnectAttempts(): number {
    return this.backoff.attempts;
  }

  stats(): Readonly<PolygonWsStats> {
    return { ...this.counters };
  }

  /** Starts the connection loop. Calling it again is a no-op. */
  connect(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run().catch((error: unknown) => {
      this.currentState = 'failed';
      this.log.error({ err: error }, 'vendor WebSocket loop crashed');
    });
  }

  /** Adds symbols to the set; sent at once when connected, otherwise on the next auth. */
  subscribe(symbols: Iterable<string>): void {
    const added = this.update(symbols, true);
    if (added.length > 0 && this.currentState === 'ready') this.sendParams('subscribe', added);
  }

  unsubscribe(symbols: Iterable<string>): void {
    const removed = this.update(symbols, false);
    if (removed.length > 0 && this.currentState === 'ready') this.sendParams('unsubscribe', removed);
  }

  /** Closes the connection and ends the loop; resolves when both are done. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.loop;
    if (this.currentState !== 'failed') this.currentState = 'closed';
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      this.currentState = 'connecting';
      const outcome = await this.connectOnce(signal);
      if (outcome.fatal !== undefined) {
        this.currentState = 'failed';
        this.log.error({ message: outcome.fatal.message }, 'vendor refused the API key: WebSocket stopped');
        this.options.onFatal?.(outcome.fatal);
        return;
      }
      if (signal.aborted) break;
      let delayMs = this.backoff.next();
      if (outcome.evicted) delayMs = Math.max(delayMs, this.evictedDelayMs);
      this.currentState = 'waiting';
      this.log.warn(
        { reason: outcome.reason, attempt: this.backoff.attempts, delayMs },
        'vendor WebSocket disconnected, reconnecting',
      );
      await sleep(delayMs, signal);
    }
  }

  /** One connection, from dialling to its close. Resolves (never rejects) with why it ended. */
  private async connectOnce(signal: AbortSignal): Promise<ConnectionOutcome> {
    const ws = new WebSocket(this.url, {
      handshakeTimeout: this.authTimeoutMs,
      maxPayload: this.maxPayloadBytes,
    });
    const conn: Connection = {
      ws,
      fatal: undefined,
      evicted: false,
      reason: '',
    };
    this.current = conn;
    let wasReady = false;
    let killTimer: NodeJS.Timeout | undefined;
    let stableTimer: NodeJS.Timeout | undefined;
    const authTimer = setTimeout(() => {
      this.counters.authTimeouts++;
      this.recycle(conn, `not authenticated within ${this.authTimeoutMs} ms`);
    }, this.authTimeoutMs);
    const watch = new ConnectionWatch(ws, {
      pingIntervalMs: this.pingIntervalMs,
      pongTimeoutMs: this.pongTimeoutMs,
      idleMs: this.idleMs,
      expectData: () => this.currentState === 'ready' && this.symbols.size > 0 && this.isSessionOpen(),
      onDead: (kind, reason) => {
        if (kind === 'pong') this.counters.pongTimeouts++;
        else this.counters.idleReconnects++;
        this.recycle(conn, reason);
      },
    });
    const onAbort = () => {
      if (ws.readyState === WebSocket.CONNECTING) return ws.terminate();
      ws.close(1000, 'client closing');
      // A vendor that never answers the close frame must not hold up shutdown.
      killTimer = setTimeout(() => ws.terminate(), 1_000);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<ConnectionOutcome>((resolve) => {
        ws.on('open', () => {
          this.counters.connects++;
          this.currentState = 'authenticating';
          watch.start();
        });
        ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
          watch.heard();
          const before = this.currentState;
          // binaryType 'nodebuffer' (the default): even a fragmented message arrives as one Buffer.
          this.onFrame(conn, isBinary ? '' : (data as Buffer).toString('utf8'));
          if (before !== 'ready' && this.currentState === 'ready') {
            wasReady = true;
            clearTimeout(authTimer);
            stableTimer = setTimeout(() => this.backoff.reset(), this.stableAfterMs);
          }
        });
        ws.on('error', (error) => {
          conn.reason ||= error.message;
        });
        ws.on('close', (code, reason) => {
          conn.reason ||= `closed by vendor (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
          resolve({ fatal: conn.fatal, evicted: conn.evicted, reason: conn.reason });
        });
        if (signal.aborted) onAbort();
      });
    } finally {
      clearTimeout(authTimer);
      clearTimeout(stableTimer);
      watch.stop();
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      this.current = undefined;
      if (wasReady) this.options.onConnectionChange?.('disconnected');
    }
  }

  private onFrame(conn: Connection, text: string): void {
    let frame: ReturnType<typeof parseWsFrame>;
    try {
      frame = parseWsFrame(text);
    } catch (error) {
      this.counters.badFrames++;
      this.log.warn(
        { message: (error as Error).message, start: text.slice(0, 80) },
        'unreadable vendor frame',
      );
      return;
    }
    this.counters.frames++;
    if (frame.rejected.length > 0) {
      this.counters.badElements += frame.rejected.length;
      this.log.warn(
        { rejected: frame.rejected.slice(0, 3), count: frame.rejected.length },
        'bad frame elements',
      );
    }
    const aggregates: AggregateEvent[] = [];
    for (const event of frame.events) {
      switch (event.ev) {
        case 'A':
        case 'AM':
          aggregates.push(event);
          break;
        case 'status':
          this.onStatus(conn, event);
          break;
        case 'T':
        case 'Q':
        case 'unknown':
          this.counters.ignoredEvents++;
      }
    }
    if (aggregates.length === 0) return;
    this.counters.aggregates += aggregates.length;
    try {
      this.options.onAggregates(aggregates, Date.now());
    } catch (error) {
      this.counters.handlerErrors++;
      this.log.error({ err: error }, 'aggregate handler failed');
    }
  }

  private onStatus(conn: Connection, event: StatusEvent): void {
    const message = event.message ?? '';
    switch (event.status) {
      case 'connected':
        this.send(conn, { action: 'auth', params: this.apiKey });
        return;
      case 'auth_success':
        this.currentState = 'ready';
        this.counters.authenticated++;
        this.log.info(
          { symbols: this.symbols.size, channels: this.channels },
          'vendor WebSocket authenticated',
        );
        this.options.onConnectionChange?.('ready');
        if (this.symbols.size > 0) this.sendParams('subscribe', [...this.symbols]);
        return;
      case 'auth_failed':
        conn.fatal = new VendorAuthError(
          `vendor WebSocket refused the API key: ${message || 'auth_failed'}`,
          {
            vendorMessage: message,
          },
        );
        conn.ws.close(1000, 'auth failed');
        return;
      case 'auth_timeout':
        this.counters.authTimeouts++;
        this.log.warn({ message }, 'vendor WebSocket auth timed out');
        return;
      case 'max_connections':
        this.counters.evictions++;
        conn.evicted = true;
        conn.reason = 'max_connections';
        this.log.error(
          { message, retryInMs: this.evictedDelayMs },
          'vendor WebSocket evicted: another connection with the same API key is open (one per cluster)',
        );
        return;
      case 'error':
        this.counters.vendorErrors++;
        this.log.warn({ message }, 'vendor WebSocket error status');
        return;
      case 'success':
        this.counters.acks++;
        this.log.debug({ message }, 'vendor ack');
        return;
      default:
        this.log.info({ status: event.status, message }, 'unknown vendor WebSocket status');
    }
  }

  /** Drops a connection the loop will replace. */
  private recycle(conn: Connection, reason: string): void {
    if (conn.reason === '') conn.reason = reason;
    this.log.warn({ reason }, 'dropping vendor WebSocket connection');
    conn.ws.terminate();
  }

  private update(symbols: Iterable<string>, add: boolean): string[] {
    const changed: string[] = [];
    for (const raw of symbols) {
      const symbol = raw.trim();
      if (symbol === '' || this.symbols.has(symbol) === add) continue;
      if (add) this.symbols.add(symbol);
      else this.symbols.delete(symbol);
      changed.push(symbol);
    }
    return changed;
  }

  private sendParams(action: 'subscribe' | 'unsubscribe', symbols: readonly string[]): void {
    const conn = this.current;
    if (conn === undefined) return;
    const params = symbols.flatMap((symbol) => this.channels.map((channel) => `${channel}.${symbol}`));
    for (let i = 0; i < params.length; i += this.maxParams) {
      if (!this.send(conn, { action, params: params.slice(i, i + this.maxParams).join(',') })) return;
    }
  }

  private send(conn: Connection, message: { readonly action: string; readonly params: string }): boolean {
    if (conn.ws.readyState !== WebSocket.OPEN) return false;
    if (conn.ws.bufferedAmount > this.maxBufferedBytes) {
      this.counters.droppedOutbound++;
      this.recycle(conn, `outbound buffer over ${this.maxBufferedBytes} bytes (${message.action} dropped)`);
      return false;
    }
    conn.ws.send(JSON.stringify(message));
    return true;
  }
}
