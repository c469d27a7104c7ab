import type { Logger } from '../shared/logger.js';
import type { ListName } from '../shared/scan/lists.js';
import { CLOSE_POLICY_VIOLATION, type Socket } from './client-connections.js';
import type { BacklogDecision, ClientLimits } from './client-policy.js';
import type { GatewayMetrics } from './metrics.js';
import { SEND_DROPPED } from './uws.js';

const HEARTBEAT_TOPIC = 'heartbeat';
/** uWS topic of a list's messages: built here only. */
export const listTopic = (list: ListName): string => `list:${list}`;

export interface FanOutOptions {
  /** uWS app.publish (text frames): every socket subscribed to `topic` gets `json`. */
  readonly publish: (topic: string, json: string, compress: boolean) => void;
  /** The open sockets (client-connections.ts). */
  readonly sockets: ReadonlySet<Socket>;
  /** A list's latest snapshot frame (list-feed.ts), undefined before the orchestrator published one. */
  readonly snapshot: (list: ListName) => string | undefined;
  readonly limits: ClientLimits;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * What the gateway sends: list messages and heartbeats fanned out by uWS topic (one per list), snapshots and
 * replies to one socket, and the slow-consumer handling around them (conflate, resume, close), acting on the
 * per-client decisions of client-policy.ts.
 */
export class FanOut {
  private checkQueued = false;

  constructor(private readonly o: FanOutOptions) {}

  /** A list message from the feed to every client on the list's topic. */
  publishList(list: ListName, json: string): void {
    this.o.metrics.messagesForwarded.inc();
    this.o.publish(listTopic(list), json, true);
    this.queueBackpressureCheck();
  }

  publishHeartbeat(json: string): void {
    this.o.publish(HEARTBEAT_TOPIC, json, false);
    this.queueBackpressureCheck();
  }

  /** A new client gets heartbeats from the start. */
  attach(ws: Socket): void {
    ws.subscribe(HEARTBEAT_TOPIC);
  }

  /** Puts `ws` on the list's topic and sends it the list's snapshot (call within ws.cork). */
  join(ws: Socket, list: ListName): void {
    ws.subscribe(listTopic(list));
    this.sendSnapshot(ws, list);
  }

  leave(ws: Socket, list: ListName): void {
    ws.unsubscribe(listTopic(list));
  }

  send(ws: Socket, json: string): void {
    const policy = ws.getUserData().policy;
    // A conflated socket keeps the room the slow_consumer frames need (pongs to a client that pings but does
    // not read must not use it up); what it misses here it gets again as snapshots when it drains.
    if (policy.conflated && ws.getBufferedAmount() + json.length > this.o.limits.finalFramesFitBytes) return;
    const dropped = ws.send(json, false, true) === SEND_DROPPED;
    if (policy.afterSend(Date.now(), ws.getBufferedAmount(), dropped) === 'conflate') this.conflate(ws);
  }

  sendSnapshot(ws: Socket, list: ListName): void {
    const snap = this.o.snapshot(list);
    // Not published yet: the orchestrator's first message of a list is a snapshot, which the topic delivers.
    if (snap !== undefined) this.send(ws, snap);
  }

  /** uWS drain: the socket's buffer went down. */
  drained(ws: Socket): void {
    this.onBacklog(ws, ws.getUserData().policy.onDrain(Date.now(), ws.getBufferedAmount()));
  }

  /** The drain event is the fast path back; the sweep also catches a socket that drained without one. */
  sweep(now: number): void {
    for (const ws of [...this.o.sockets])
      this.onBacklog(ws, ws.getUserData().policy.onSweep(now, ws.getBufferedAmount()));
  }

  /** Runs in the same tick as the publishes (a microtask), before uWS can drain anything. */
  private queueBackpressureCheck(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    queueMicrotask(() => {
      this.checkQueued = false;
      const now = Date.now();
      for (const ws of this.o.sockets) {
        if (ws.getUserData().policy.afterSend(now, ws.getBufferedAmount()) === 'conflate') this.conflate(ws);
      }
    });
  }

  private onBacklog(ws: Socket, decision: BacklogDecision): void {
    switch (decision) {
      case 'resume':
        return this.resume(ws);
      case 'close_slow':
        return this.closeSlowConsumer(ws);
      case 'terminate':
        return this.terminateSlowConsumer(ws);
      case 'wait':
        return;
    }
  }

  /** The policy has just marked `ws` conflated: take it off its list topics. */
  private conflate(ws: Socket): void {
    const s = ws.getUserData();
    this.o.metrics.conflations.inc();
    // Heartbeats too: nothing but the final frames may grow the buffer of a socket that is not reading.
    ws.unsubscribe(HEARTBEAT_TOPIC);
    for (const l of s.lists) ws.unsubscribe(listTopic(l));
    this.o.logger.info({ client: s.id, buffered: ws.getBufferedAmount() }, 'slow client: deltas paused');
  }

  /** The policy has just marked `ws` live again: back on its topics, with fresh snapshots. */
  private resume(ws: Socket): void {
    const s = ws.getUserData();
    this.o.logger.info({ client: s.id }, 'slow client drained: sending fresh snapshots');
    ws.cork(() => {
      ws.subscribe(HEARTBEAT_TOPIC);
      for (const l of s.lists) this.join(ws, l);
    });
  }

  /**
   * The error frame and the close frame both name the reason. Neither can overtake the bytes the client has not
   * read (one TCP stream), and uWS drops anything sent past its cap, so the policy calls this only once they fit
   * (it waits for the client to read some, see client-policy.ts); the client finds them after its backlog.
   */
  private closeSlowConsumer(ws: Socket): void {
    const { metrics, logger } = this.o;
    const message = `not reading for more than ${this.o.limits.slowConsumerTimeoutMs} ms`;
    logger.warn({ client: ws.getUserData().id, buffered: ws.getBufferedAmount() }, 'closing a slow consumer');
    metrics.slowConsumerCloses.inc();
    metrics.clientErrors.inc({ code: 'slow_consumer' });
    ws.send(JSON.stringify({ type: 'error', code: 'slow_consumer', message }));
    ws.end(CLOSE_POLICY_VIOLATION, `slow_consumer: ${message}`);
  }

  /** Still not reading after the grace given to learn why: cut it (it would not read the frames anyway). */
  private terminateSlowConsumer(ws: Socket): void {
    this.o.logger.warn(
      { client: ws.getUserData().id },
      'terminating a slow consumer that never read its close',
    );
    this.o.metrics.slowConsumerCloses.inc();
    ws.close();
  }
}
