import WebSocket from 'ws';

/*
 * Is one vendor WebSocket connection still alive? Two independent checks, because they catch different faults:
 *
 *  - Keepalive: a ping every `pingIntervalMs` (25 s, as the vendor's Go client does; docs/vendor.md §2.2). No pong
 *    within `pongTimeoutMs` means the path is dead — a half-open TCP connection shows no error and no close,
 *    so without this a dead connection outside trading hours (or with nothing subscribed) would go unnoticed
 *    until the next session's data failed to come. Frames that arrive after the ping count as an answer: on a
 *    busy connection the pong can be queued behind them.
 *  - Data idle: a connection that answers pings but delivers nothing while `expectData()` holds (in a
 *    session, something subscribed) for `idleMs` is presumed stalled on the vendor's side and replaced. With
 *    nothing subscribed, silence is the correct behaviour and no longer a false alarm; pings cover liveness.
 */

export interface ConnectionWatchOptions {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly idleMs: number;
  /** Whether data is expected now (session open, connection ready, something subscribed). */
  readonly expectData: () => boolean;
  /** The connection is presumed dead; the caller terminates it. Called at most once. */
  readonly onDead: (kind: 'pong' | 'idle', reason: string) => void;
}

export class ConnectionWatch {
  private lastMessageAt = performance.now();
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private dead = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly o: ConnectionWatchOptions,
  ) {
    ws.on('pong', () => this.clearPong());
  }

  /** Once the socket is open. */
  start(): void {
    this.lastMessageAt = performance.now();
    this.pingTimer = setInterval(() => this.ping(), this.o.pingIntervalMs);
    const idleCheckMs = Math.max(10, Math.min(1_000, this.o.idleMs / 4));
    this.idleTimer = setInterval(() => this.checkIdle(), idleCheckMs);
  }

  /** Any message from the vendor. */
  heard(): void {
    this.lastMessageAt = performance.now();
  }

  stop(): void {
    clearInterval(this.pingTimer);
    clearInterval(this.idleTimer);
    this.clearPong();
  }

  private ping(): void {
    // One ping outstanding at a time: its own deadline decides, a second ping would only move it.
    if (this.ws.readyState !== WebSocket.OPEN || this.pongTimer !== undefined) return;
    const sentAt = performance.now();
    this.ws.ping();
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      if (this.lastMessageAt > sentAt) return;
      this.die('pong', `no pong within ${this.o.pongTimeoutMs} ms of a ping`);
    }, this.o.pongTimeoutMs);
  }

  private checkIdle(): void {
    if (!this.o.expectData()) {
      // Silence is expected now; the clock starts over when data is expected again.
      this.lastMessageAt = performance.now();
      return;
    }
    const silentMs = performance.now() - this.lastMessageAt;
    if (silentMs > this.o.idleMs) {
      this.die('idle', `no message for ${Math.round(silentMs)} ms during a session with symbols subscribed`);
    }
  }

  private die(kind: 'pong' | 'idle', reason: string): void {
    if (this.dead) return;
    this.dead = true;
    this.stop();
    this.o.onDead(kind, reason);
  }

  private clearPong(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }
}
