import type { Logger } from '../shared/logger.js';
import type { AnyListName, ListMessage, SnapshotMessage } from '../shared/protocol/messages.js';
import { isScanListName, type ScanListName } from '../shared/scan/scan-list-names.js';
import { CLOSE_POLICY_VIOLATION, type Socket } from './client-connections.js';
import type { BacklogDecision, ClientLimits } from './client-policy.js';
import { DeflatedSnapshots, deflateFrame, type Encoding } from './frame-encoding.js';
import type { GatewayMetrics } from './metrics.js';
import { SEND_DROPPED } from './uws.js';
import type { HeldAlert } from './alerts-feed.js';
import { alertMatches, type AlertWhere } from '../shared/alerts/alert-where.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';

const HEARTBEAT_TOPIC = 'heartbeat';
/** Alerts for the clients that take them all (those with a `where` are sent theirs one by one). */
const ALERTS_TOPIC = 'alerts';

/**
 * uWS topic of a list's messages in one encoding, for the clients that call it `name`: built here only. A scan
 * list is published under its definition's key (`scan:s…`) and each client calls it by its own id
 * (`scan:mine`): one topic per (list, name), so the renamed text is made once per name, not per client.
 */
export const listTopic = (list: AnyListName, encoding: Encoding = 'json', name: AnyListName = list): string =>
  `list:${list}${name === list ? '' : `>${name}`}${encoding === 'json' ? '' : `:${encoding}`}`;

/** `json` (a list message as published) with the list called `name`: the `list` member comes first but one. */
export function renameList(json: string, list: AnyListName, name: AnyListName): string {
  if (name === list) return json;
  const member = `"list":${JSON.stringify(list)}`;
  const at = json.indexOf(member);
  return at < 0
    ? json
    : `${json.slice(0, at)}"list":${JSON.stringify(name)}${json.slice(at + member.length)}`;
}

export interface FanOutOptions {
  /** uWS app.publish: every socket subscribed to `topic` gets `data` (a binary frame when `binary`). */
  readonly publish: (topic: string, data: string | Buffer, binary: boolean, compress: boolean) => void;
  /** uWS app.numSubscribers. */
  readonly subscribers: (topic: string) => number;
  /** The open sockets (client-connections.ts). */
  readonly sockets: ReadonlySet<Socket>;
  /** A list's latest snapshot and its JSON (list-feed.ts), undefined before the orchestrator published one. */
  readonly snapshot: (list: AnyListName) => { msg: SnapshotMessage; json: string } | undefined;
  /** The newest alerts (at most 200, oldest first: alerts-feed.ts), what a subscribe or resync sends first. */
  readonly recentAlerts: () => readonly HeldAlert[];
  /** A scan list got its first follower on this gateway / lost its last (list-feed.ts watch, unwatch). */
  readonly watch: (list: ScanListName) => void;
  readonly unwatch: (list: ScanListName) => void;
  readonly limits: ClientLimits;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * What the gateway sends: list messages and heartbeats fanned out by uWS topic (one per list and encoding, see
 * frame-encoding.ts), snapshots and replies to one socket, and the slow-consumer handling around them (conflate,
 * resume, close), acting on the per-client decisions of client-policy.ts. A client's encoding changes only its
 * topics and the frames of its list messages; every decision is the same for both.
 */
export class FanOut {
  private checkQueued = false;
  private readonly deflated = new DeflatedSnapshots();
  /** Sockets taking alerts with a `where` (checked per alert). */
  private readonly filtering = new Set<Socket>();
  /** Per scan list followed here: the names its clients call it by, each with its number of followers. */
  private readonly names = new Map<ScanListName, Map<ScanListName, number>>();

  constructor(private readonly o: FanOutOptions) {}

  /**
   * A list message from the feed to every client on the list's topics: the JSON text as is (a scan list's
   * renamed once per name its clients use), and, when a deflate client is on the list, the same text deflated
   * once for all of them.
   */
  publishList(msg: ListMessage, json: string): void {
    this.o.metrics.messagesForwarded.inc();
    if (!isScanListName(msg.list)) this.publishAs(msg, json, msg.list);
    else for (const name of this.names.get(msg.list)?.keys() ?? []) this.publishAs(msg, json, name);
    this.queueBackpressureCheck();
  }

  private publishAs(msg: ListMessage, published: string, name: AnyListName): void {
    const { metrics, publish, subscribers } = this.o;
    const json = renameList(published, msg.list, name);
    const jsonTopic = listTopic(msg.list, 'json', name);
    publish(jsonTopic, json, false, true);
    metrics.listBytes.inc({ encoding: 'json' }, Buffer.byteLength(json) * subscribers(jsonTopic));
    const deflateTopic = listTopic(msg.list, 'deflate', name);
    const deflateClients = subscribers(deflateTopic);
    if (deflateClients > 0) {
      const frame = deflateFrame(json);
      // The feed now holds this very snapshot: subscribers until the next message get these bytes.
      if (msg.type === 'snapshot') this.deflated.remember(deflateTopic, msg, frame);
      publish(deflateTopic, frame, true, false);
      metrics.listBytes.inc({ encoding: 'deflate' }, frame.length * deflateClients);
    }
  }

  /**
   * A new alert (SPEC §14) to its subscribers: once on the topic for those without a `where`, and to each
   * filtering client whose `where` it matches (evaluated here, per client: a where is a few comparisons).
   */
  publishAlert(alert: AlertMessage, json: string): void {
    this.o.publish(ALERTS_TOPIC, json, false, true);
    for (const ws of this.filtering) {
      const { alerts, policy } = ws.getUserData();
      if (!policy.conflated && alerts && alertMatches(alerts.where, alert)) this.sendFrame(ws, json, false);
    }
    this.queueBackpressureCheck();
  }

  /** `ws` takes the alerts matching `where` ([] = all): the recent ones first, then each new one. */
  joinAlerts(ws: Socket, where: AlertWhere): void {
    const s = ws.getUserData();
    this.leaveAlerts(ws);
    s.alerts = { where };
    if (where.length > 0) this.filtering.add(ws);
    if (s.policy.conflated) return;
    if (where.length === 0) ws.subscribe(ALERTS_TOPIC);
    this.sendRecentAlerts(ws);
  }

  leaveAlerts(ws: Socket): void {
    const s = ws.getUserData();
    if (!s.alerts) return;
    s.alerts = undefined;
    this.filtering.delete(ws);
    ws.unsubscribe(ALERTS_TOPIC);
  }

  /** The recent alerts `ws` would have received (its `where` applied), oldest first: a subscribe's or resync's. */
  sendRecentAlerts(ws: Socket): void {
    const { alerts } = ws.getUserData();
    if (!alerts) return;
    ws.cork(() => {
      for (const { alert, json } of this.o.recentAlerts())
        if (alertMatches(alerts.where, alert)) this.sendFrame(ws, json, false);
    });
  }

  publishHeartbeat(json: string): void {
    this.o.publish(HEARTBEAT_TOPIC, json, false, false);
    this.queueBackpressureCheck();
  }

  /** A new client gets heartbeats from the start. */
  attach(ws: Socket): void {
    ws.subscribe(HEARTBEAT_TOPIC);
  }

  /**
   * `ws` follows `list` under the name it gave (`name`, the list itself for a built-in list): it is recorded in
   * the client's subscriptions, put on the topic and sent the list's snapshot (call within ws.cork).
   */
  join(ws: Socket, name: AnyListName, list: AnyListName): void {
    const s = ws.getUserData();
    const before = s.subscriptions.get(name);
    if (before === list) {
      if (!s.policy.conflated) this.sendSnapshot(ws, name);
      return;
    }
    if (before !== undefined) this.leave(ws, name);
    s.subscriptions.set(name, list);
    if (isScanListName(list)) this.follow(list, name as ScanListName, +1);
    // A conflated socket gets its snapshots when it drains.
    if (s.policy.conflated) return;
    ws.subscribe(listTopic(list, s.encoding, name));
    this.sendSnapshot(ws, name);
  }

  /** `ws` no longer follows what it calls `name`. */
  leave(ws: Socket, name: AnyListName): void {
    const s = ws.getUserData();
    const list = s.subscriptions.get(name);
    if (list === undefined) return;
    s.subscriptions.delete(name);
    ws.unsubscribe(listTopic(list, s.encoding, name));
    if (isScanListName(list)) this.follow(list, name as ScanListName, -1);
  }

  /** A closed socket's subscriptions no longer count (uWS has already taken it off its topics). */
  detach(ws: Socket): void {
    const s = ws.getUserData();
    this.filtering.delete(ws);
    for (const [name, list] of s.subscriptions)
      if (isScanListName(list)) this.follow(list, name as ScanListName, -1);
    s.subscriptions.clear();
  }

  /** Counts the followers of a scan list under one name; the feed holds the list while anyone follows it. */
  private follow(list: ScanListName, name: ScanListName, by: 1 | -1): void {
    let names = this.names.get(list);
    if (!names) this.names.set(list, (names = new Map<ScanListName, number>()));
    const n = (names.get(name) ?? 0) + by;
    if (n > 0) names.set(name, n);
    else {
      names.delete(name);
      this.deflated.forget(listTopic(list, 'deflate', name));
    }
    if (by > 0 && n === 1 && names.size === 1) this.o.watch(list);
    if (names.size === 0) {
      this.names.delete(list);
      this.o.unwatch(list);
    }
  }

  /** A JSON text frame to one socket (replies, errors). */
  send(ws: Socket, json: string): void {
    this.sendFrame(ws, json, false);
  }

  /** The current snapshot of what `ws` calls `name` (one of its subscriptions, or a built-in list). */
  sendSnapshot(ws: Socket, name: AnyListName): void {
    const { encoding, subscriptions } = ws.getUserData();
    const list = subscriptions.get(name) ?? name;
    const held = this.o.snapshot(list);
    // Not published yet: the orchestrator's first message of a list is a snapshot, which the topic delivers.
    if (held === undefined) return;
    const snap = { msg: held.msg, json: renameList(held.json, list, name) };
    const frame =
      encoding === 'deflate' ? this.deflated.frame(listTopic(list, encoding, name), snap) : snap.json;
    if (this.sendFrame(ws, frame, encoding === 'deflate'))
      this.o.metrics.listBytes.inc({ encoding }, Buffer.byteLength(frame));
  }

  /** Sends unless a conflated socket lacks room; false when not sent (or dropped by uWS at its cap). */
  private sendFrame(ws: Socket, data: string | Buffer, binary: boolean): boolean {
    const policy = ws.getUserData().policy;
    // A conflated socket keeps the room the slow_consumer frames need (pongs to a client that pings but does
    // not read must not use it up); what it misses here it gets again as snapshots when it drains.
    if (policy.conflated && ws.getBufferedAmount() + data.length > this.o.limits.finalFramesFitBytes)
      return false;
    // Binary frames are already deflated: permessage-deflate (GATEWAY_COMPRESSION) would only spend CPU on them.
    const dropped = ws.send(data, binary, !binary) === SEND_DROPPED;
    if (policy.afterSend(Date.now(), ws.getBufferedAmount(), dropped) === 'conflate') this.conflate(ws);
    return !dropped;
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
    ws.unsubscribe(ALERTS_TOPIC);
    for (const [name, list] of s.subscriptions) ws.unsubscribe(listTopic(list, s.encoding, name));
    this.o.logger.info({ client: s.id, buffered: ws.getBufferedAmount() }, 'slow client: deltas paused');
  }

  /** The policy has just marked `ws` live again: back on its topics, with fresh snapshots. */
  private resume(ws: Socket): void {
    const s = ws.getUserData();
    this.o.logger.info({ client: s.id }, 'slow client drained: sending fresh snapshots');
    ws.cork(() => {
      ws.subscribe(HEARTBEAT_TOPIC);
      for (const [name, list] of s.subscriptions) {
        ws.subscribe(listTopic(list, s.encoding, name));
        this.sendSnapshot(ws, name);
      }
      // What it missed of the alerts: the recent ones again (a client drops those it has by epoch and seq).
      if (s.alerts) {
        if (s.alerts.where.length === 0) ws.subscribe(ALERTS_TOPIC);
        this.sendRecentAlerts(ws);
      }
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
