import { Backoff, type BackoffOptions } from '../backoff.js';
import type {
  AnyListName,
  ClientMessage,
  ERROR_CODES,
  Freshness,
  ListMessage,
  ScanRow,
  ServerMessage,
  SnapshotMessage,
} from '../protocol/messages.js';
import { FrameDecoder, type Encoding, type InflateRaw } from './frame-decoder.js';
import { Emitter } from './emitter.js';
import { expand, selectionOf, type ListSelection } from './list-selection.js';
import { ListTracker, type ResyncReason } from './list-tracker.js';
import { AlertStream, type AlertFilter } from './alert-stream.js';
import type { AlertMessage } from '../protocol/alert-messages.js';
import {
  describeSocketError,
  globalSocket,
  SOCKET_OPEN,
  type SocketConstructor,
  type SocketLike,
} from './socket.js';

/**
 * Client SDK for the gateway's WebSocket protocol (SPEC §8), for browsers and Node, with no dependency.
 *
 * ```ts
 * import WebSocket from 'ws'; // Node only; a browser uses its global WebSocket
 * const client = new ListClient({ url: 'ws://127.0.0.1:8080/ws', lists: ['gappers_up'], WebSocket });
 * client.onList((list, rows) => render(list, rows));
 * client.start();
 * ```
 *
 * It keeps every subscribed list's rows by applying snapshots and deltas, asks for a snapshot itself when it
 * is out of step (the resync rule: list-tracker.ts), reconnects with capped exponential backoff and full
 * jitter (reset by the first message of a connection) and resubscribes, and drops a connection that stays
 * silent past its pings (a half-open TCP connection would otherwise look healthy forever).
 */

export type ConnectionStatus = 'connecting' | 'open' | 'closed';
export type { ListSelection } from './list-selection.js';
export type ServerErrorCode = (typeof ERROR_CODES)[number];

export type ListClientError =
  /** An `error` message from the gateway (SPEC §8). */
  | { readonly source: 'server'; readonly code: ServerErrorCode; readonly message: string }
  /** The connection failed or was refused (e.g. `Unexpected server response: 401` in Node). */
  | { readonly source: 'transport'; readonly message: string }
  /** A frame that is not a message of the protocol, or a listener that threw. */
  | { readonly source: 'client'; readonly message: string };

export interface ListClientEvents {
  /** A list changed: its rows in rank order (rank = index + 1) and the message that changed it. */
  readonly list: (list: AnyListName, rows: readonly ScanRow[], msg: ListMessage) => void;
  readonly status: (status: ConnectionStatus) => void;
  readonly error: (error: ListClientError) => void;
  /** A new alert (SPEC §14), after subscribeAlerts; each is passed on once, also across reconnections. */
  readonly alert: (alert: AlertMessage) => void;
  /** The client asked for a list's snapshot because it was out of step. */
  readonly resync: (list: AnyListName, reason: ResyncReason) => void;
  /**
   * A heartbeat told how fresh the lists are (SPEC §8): `live`, `stale`, `closed` or `down`, their age in ms on
   * the wall clock (at the heartbeat's `ts`), and the session.
   */
  readonly freshness: (freshness: Freshness, ts: string) => void;
}

export interface ListClientOptions {
  /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:8080/ws` or `wss://scanner.example/ws`. */
  readonly url: string;
  /** Lists to subscribe to at start; default `['*']` (all 11). */
  readonly lists?: readonly ListSelection[];
  /** Sent as `?token=` (the gateway also accepts `Authorization: Bearer`, which browsers cannot set). */
  readonly token?: string;
  /** The WebSocket class: required in Node 20 (pass `ws`'s); default the global one. */
  readonly WebSocket?: SocketConstructor;
  /** Reconnect delays; default 500 ms growing to 30 s. */
  readonly backoff?: BackoffOptions;
  /**
   * A `ping` is sent this often; when one is still unanswered a period later (and nothing else came), the
   * connection is presumed dead, dropped and reopened. Default 10 000 ms.
   */
  readonly pingIntervalMs?: number;
  /**
   * `json` (default) or `deflate`: the gateway then sends list messages deflated (`scanner.deflate.v1`, about a
   * quarter of the bytes) and the SDK inflates them; the rows and events are the same either way.
   */
  readonly encoding?: Encoding;
  /** Raw inflate with a preset dictionary, for `deflate` outside Node 20.16+ (e.g. pako's inflateRaw). */
  readonly inflateRaw?: InflateRaw;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };
const DEFAULT_PING_INTERVAL_MS = 10_000;
const CLOSE_NORMAL = 1000;

export class ListClient {
  private readonly url: string;
  private readonly Socket: SocketConstructor;
  private readonly backoff: Backoff;
  private readonly pingIntervalMs: number;
  private readonly decoder: FrameDecoder;
  private readonly wanted = new Set<AnyListName>();
  private readonly trackers = new Map<AnyListName, ListTracker>();
  private readonly alerts = new AlertStream();
  /** Scans defined on the connection (SPEC §13), sent again on every new connection before the subscribe. */
  private readonly scans = new Map<string, unknown>();
  private readonly events = new Emitter<ListClientEvents>((message) =>
    this.emit('error', { source: 'client', message }),
  );
  private lastFreshness: Freshness | undefined;
  private socket: SocketLike | undefined;
  private currentStatus: ConnectionStatus = 'closed';
  private running = false;
  private gotMessage = false;
  private lastMessageAt = 0;
  private lastPingAt = 0;
  private pingId = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: ListClientOptions) {
    const url = new URL(options.url);
    if (options.token !== undefined) url.searchParams.set('token', options.token);
    this.url = url.toString();
    const Socket = options.WebSocket ?? globalSocket();
    if (!Socket)
      throw new TypeError('no global WebSocket: pass one as the WebSocket option (e.g. from "ws")');
    this.Socket = Socket;
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.decoder = new FrameDecoder(options.encoding ?? 'json', options.inflateRaw);
    for (const l of expand(options.lists ?? ['*'])) this.wanted.add(l);
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** A list's rows in rank order; empty before its first snapshot. */
  rows(list: AnyListName): readonly ScanRow[] {
    return this.trackers.get(list)?.held?.rows ?? [];
  }

  /** A list's current state as a snapshot message (epoch, seq, ts, rows), or undefined before the first. */
  snapshot(list: AnyListName): SnapshotMessage | undefined {
    return this.trackers.get(list)?.held;
  }

  /** Registers a listener; returns the function that removes it. */
  on<K extends keyof ListClientEvents>(event: K, listener: ListClientEvents[K]): () => void {
    return this.events.on(event, listener);
  }
  onList(listener: ListClientEvents['list']): () => void {
    return this.on('list', listener);
  }
  onAlert(listener: ListClientEvents['alert']): () => void {
    return this.on('alert', listener);
  }
  onStatus(listener: ListClientEvents['status']): () => void {
    return this.on('status', listener);
  }
  onError(listener: ListClientEvents['error']): () => void {
    return this.on('error', listener);
  }
  onResync(listener: ListClientEvents['resync']): () => void {
    return this.on('resync', listener);
  }
  onFreshness(listener: ListClientEvents['freshness']): () => void {
    return this.on('freshness', listener);
  }

  /** What the last heartbeat said about the lists' freshness; undefined before the first (or from an old gateway). */
  get freshness(): Freshness | undefined {
    return this.lastFreshness;
  }

  /** Connects (and keeps reconnecting until {@link stop}). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Closes the connection and stops reconnecting. The rows held stay readable. */
  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.abandon();
    this.setStatus('closed');
  }

  /**
   * Defines (or replaces) the connection's scan `id` (SPEC §13, docs/scans.md: `{where, sort, limit, …}`, its
   * `id` omitted or the same; the gateway validates it);
   * then subscribe to `scan:<id>`. It lives as long as the connection, and this client defines it again on every
   * reconnection. A bad definition comes back as an `error` event (`bad_request`, naming the field).
   */
  defineScan(id: string, scan: Readonly<Record<string, unknown>>): void {
    this.scans.set(id, scan);
    this.send({ op: 'scan', id, scan });
  }

  /** Removes the connection's scan `id` (a subscription to `scan:<id>` then follows the token's saved scan `id`, if any). */
  removeScan(id: string): void {
    if (this.scans.delete(id)) this.send({ op: 'unscan', id });
  }

  /**
   * Takes the alerts (SPEC §14) matching `where` (the scan language's groups; default every alert): the recent
   * ones (up to 200) first, then each new one, as `alert` events. A new call replaces the filter.
   */
  subscribeAlerts(where?: AlertFilter): void {
    this.send(this.alerts.subscribe(where));
  }

  unsubscribeAlerts(): void {
    if (!this.alerts.subscribed) return;
    this.alerts.unsubscribe();
    this.send({ op: 'unsubscribe', lists: ['alerts'] });
  }

  subscribe(lists: readonly ListSelection[]): void {
    const added = expand(lists).filter((l) => !this.wanted.has(l));
    for (const l of added) this.wanted.add(l);
    if (added.length > 0) this.send({ op: 'subscribe', lists: added });
  }

  /** Stops receiving `lists` and forgets their rows. */
  unsubscribe(lists: readonly ListSelection[]): void {
    const removed = expand(lists).filter((l) => this.wanted.has(l));
    for (const l of removed) {
      this.wanted.delete(l);
      this.trackers.delete(l);
    }
    if (removed.length > 0) this.send({ op: 'unsubscribe', lists: removed });
  }

  private connect(): void {
    this.retryTimer = undefined;
    this.setStatus('connecting');
    let socket: SocketLike;
    try {
      const { protocols } = this.decoder;
      socket = protocols.length > 0 ? new this.Socket(this.url, [...protocols]) : new this.Socket(this.url);
      if (protocols.length > 0) socket.binaryType = 'arraybuffer';
    } catch (err) {
      this.emit('error', { source: 'transport', message: err instanceof Error ? err.message : String(err) });
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.gotMessage = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.lastMessageAt = Date.now();
      this.lastPingAt = 0;
      for (const t of this.trackers.values()) t.reconnected();
      for (const [id, scan] of this.scans) this.send({ op: 'scan', id, scan });
      if (this.wanted.size > 0) this.send({ op: 'subscribe', lists: selectionOf(this.wanted) });
      const alerts = this.alerts.resubscribe();
      if (alerts) this.send(alerts);
      this.pingTimer = setInterval(() => this.ping(), this.pingIntervalMs);
      this.setStatus('open');
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.lastMessageAt = Date.now();
      if (!this.gotMessage) {
        this.gotMessage = true;
        this.backoff.reset();
      }
      try {
        this.receive(event.data);
      } catch (err) {
        // A frame of the right type but the wrong shape: report it, keep the connection.
        this.emit('error', { source: 'client', message: `bad message: ${String(err)}` });
      }
    };
    socket.onerror = (event) => {
      if (this.socket === socket)
        this.emit('error', { source: 'transport', message: describeSocketError(event) });
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.lost();
    };
  }

  /** The connection ended (closed, refused, or presumed dead): report it and try again later. */
  private lost(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.setStatus('closed');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => this.connect(), this.backoff.next());
  }

  /** Detaches and closes the current socket without waiting for its close handshake. */
  private abandon(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Not null: the ws package emits 'error' when a socket still connecting is terminated, and an 'error' with
    // no listener throws (uncaught). The browser's WebSocket is indifferent either way.
    socket.onerror = () => {};
    const terminate = (socket as { terminate?: () => void }).terminate;
    if (terminate) terminate.call(socket);
    else socket.close(CLOSE_NORMAL);
  }

  /**
   * Liveness is judged on the answer to our own last ping, not on time since the last message: a background
   * browser tab may run this timer only once a minute, and a quiet gateway may send nothing for longer.
   */
  private ping(): void {
    const now = Date.now();
    if (this.lastPingAt > this.lastMessageAt && now - this.lastPingAt >= this.pingIntervalMs) {
      this.emit('error', { source: 'transport', message: 'no message from the gateway: reconnecting' });
      this.abandon();
      this.lost();
      return;
    }
    this.lastPingAt = now;
    this.send({ op: 'ping', id: ++this.pingId });
  }

  private receive(data: unknown): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(this.decoder.text(data)) as ServerMessage;
      if (typeof msg !== 'object' || msg === null || typeof msg.type !== 'string') throw new Error('no type');
    } catch (err) {
      this.emit('error', { source: 'client', message: `unreadable frame: ${(err as Error).message}` });
      return;
    }
    switch (msg.type) {
      case 'snapshot':
      case 'delta':
        return this.receiveList(msg);
      case 'heartbeat':
        for (const [list, seq] of Object.entries(msg.seqs)) {
          const tracker = this.trackers.get(list as AnyListName);
          if (tracker) this.act(list as AnyListName, tracker.checkSeq(seq, Date.now()));
        }
        // A gateway older than the freshness fields sends heartbeats without them.
        if (typeof msg.source !== 'string') return;
        this.lastFreshness = { source: msg.source, ageMs: msg.ageMs ?? null, session: msg.session ?? null };
        return this.emit('freshness', this.lastFreshness, msg.ts);
      case 'error':
        return this.emit('error', { source: 'server', code: msg.code, message: msg.message });
      case 'alert':
        if (this.alerts.accept(msg)) this.emit('alert', msg);
        return;
      case 'pong':
        return;
    }
  }

  private receiveList(msg: ListMessage): void {
    // After an unsubscribe, messages already on the wire still arrive.
    if (!this.wanted.has(msg.list)) return;
    let tracker = this.trackers.get(msg.list);
    if (!tracker) this.trackers.set(msg.list, (tracker = new ListTracker()));
    const result = tracker.apply(msg, Date.now());
    if (result.kind === 'applied') this.emit('list', msg.list, result.snapshot.rows, msg);
    else this.act(msg.list, result);
  }

  private act(list: AnyListName, result: ReturnType<ListTracker['apply']>): void {
    if (result.kind !== 'resync') return;
    this.send({ op: 'resync', list });
    this.emit('resync', list, result.reason);
  }

  private send(msg: ClientMessage): void {
    if (this.socket?.readyState === SOCKET_OPEN) this.socket.send(JSON.stringify(msg));
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
  }

  private emit<K extends keyof ListClientEvents>(event: K, ...args: Parameters<ListClientEvents[K]>): void {
    this.events.emit(event, ...args);
  }
}
