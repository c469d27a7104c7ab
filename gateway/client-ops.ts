import type { Logger } from '../shared/logger.js';
import { parseAlertWhere, type AlertWhere } from '../shared/alerts/alert-where.js';
import {
  ALERTS,
  type AnyListName,
  type ClientMessage,
  type ERROR_CODES,
} from '../shared/protocol/messages.js';
import { InvalidScanError } from '../shared/scan/scan-definition.js';
import { isScanListName, type ScanListName } from '../shared/scan/scan-list-names.js';
import { CLOSE_POLICY_VIOLATION, type Socket } from './client-connections.js';
import { RATE_LIMIT_PER_SECOND } from './client-policy.js';
import { parseClientMessage, selectedLists } from './client-protocol.js';
import type { ClientScans } from './client-scans.js';
import type { FanOut } from './fan-out.js';
import type { GatewayMetrics } from './metrics.js';

type ErrorCode = (typeof ERROR_CODES)[number];

export interface ClientOpsOptions {
  readonly fanOut: FanOut;
  readonly scans: ClientScans;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * The client → gateway frames of SPEC §8: the rate limit and bad-frame policy on each frame, then the ops
 * (subscribe, unsubscribe, resync, ping, and scan/unscan of SPEC §13, whose bookkeeping is client-scans.ts's).
 * A new op is a case in {@link ClientOps.handle}; what it sends goes through fan-out.ts.
 */
export class ClientOps {
  constructor(private readonly o: ClientOpsOptions) {}

  /** uWS message handler. */
  readonly onMessage = (ws: Socket, data: ArrayBuffer, isBinary: boolean): void => {
    const s = ws.getUserData();
    switch (s.policy.onMessage(Date.now())) {
      case 'accept':
        break;
      case 'notify_rate_limited':
        this.sendError(ws, 'rate_limited', `more than ${RATE_LIMIT_PER_SECOND} messages per second`);
        return;
      case 'drop':
        return;
    }
    const parsed = isBinary
      ? ({ ok: false, code: 'bad_request', message: 'binary frames are not accepted' } as const)
      : parseClientMessage(Buffer.from(data).toString('utf8'));
    if (parsed.ok) return this.handle(ws, parsed.msg);
    this.sendError(ws, parsed.code, parsed.message);
    if (s.policy.onBadMessage() === 'close') {
      this.o.logger.info({ client: s.id }, 'closing a client after repeated bad messages');
      ws.end(CLOSE_POLICY_VIOLATION, 'too many bad messages');
    }
  };

  private handle(ws: Socket, msg: ClientMessage): void {
    const { fanOut, scans } = this.o;
    const s = ws.getUserData();
    switch (msg.op) {
      case 'subscribe': {
        const alerts = msg.lists.includes(ALERTS);
        const lists = selectedLists(msg.lists.filter((l) => l !== ALERTS));
        if (msg.where !== undefined && !alerts)
          return this.sendError(ws, 'bad_request', 'where: only the "alerts" subscription takes a where');
        const where = alerts ? this.alertWhere(ws, msg.where) : [];
        if (where === undefined) return;
        // The scans it names that are gone are refused, the rest subscribed: a client resubscribing everything
        // after a reconnection must not lose its lists for one scan deleted meanwhile.
        const unknown = lists.filter((l) => this.resolve(ws, l) === undefined);
        if (unknown.length > 0) this.unknownScans(ws, unknown);
        ws.cork(() => {
          for (const l of lists) {
            const list = this.resolve(ws, l);
            if (list !== undefined) fanOut.join(ws, l, list);
          }
          if (alerts) fanOut.joinAlerts(ws, where);
        });
        return;
      }
      case 'unsubscribe':
        if (msg.lists.includes(ALERTS)) fanOut.leaveAlerts(ws);
        for (const l of selectedLists(msg.lists.filter((l) => l !== ALERTS))) fanOut.leave(ws, l);
        return;
      case 'resync': {
        if (msg.list === ALERTS) return s.policy.conflated ? undefined : fanOut.sendRecentAlerts(ws);
        if (this.resolve(ws, msg.list) === undefined) return this.unknownScans(ws, [msg.list]);
        if (!s.policy.conflated) fanOut.sendSnapshot(ws, msg.list);
        return;
      }
      case 'ping':
        fanOut.send(ws, JSON.stringify({ type: 'pong', id: msg.id }));
        return;
      case 'scan': {
        const r = scans.define(s, msg.id, msg.scan);
        if (!r.ok) return this.sendError(ws, 'bad_request', r.message);
        return this.repoint(ws, `scan:${msg.id}`);
      }
      case 'unscan':
        if (!scans.undefine(s, msg.id))
          return this.sendError(ws, 'bad_request', `no scan ${JSON.stringify(msg.id)} on this connection`);
        // A saved scan of the same id, if any, is what `scan:<id>` now means.
        return this.repoint(ws, `scan:${msg.id}`);
    }
  }

  /** A subscription's alert filter, validated as a scan's `where` is; undefined (and an error sent) when bad. */
  private alertWhere(ws: Socket, where: unknown): AlertWhere | undefined {
    try {
      return parseAlertWhere(where);
    } catch (err) {
      if (!(err instanceof InvalidScanError)) throw err;
      this.sendError(ws, 'bad_request', err.issues.join('; '));
      return undefined;
    }
  }

  /** The list published for what the client calls `name`; undefined for a scan it has neither defined nor saved. */
  private resolve(ws: Socket, name: AnyListName): AnyListName | undefined {
    const s = ws.getUserData();
    if (!isScanListName(name)) return name;
    return this.o.scans.resolve(s, name);
  }

  /**
   * What the client calls `name` may now be another list (its scan defined, replaced, removed; its token's saved
   * scan changed): a subscriber follows the new one from its snapshot, or stops when there is none.
   */
  repoint(ws: Socket, name: ScanListName): void {
    const s = ws.getUserData();
    const before = s.subscriptions.get(name);
    if (before === undefined) return;
    const now = this.o.scans.resolve(s, name);
    if (now === before) return;
    if (now === undefined) return this.o.fanOut.leave(ws, name);
    ws.cork(() => this.o.fanOut.join(ws, name, now));
  }

  private unknownScans(ws: Socket, names: readonly string[]): void {
    this.sendError(
      ws,
      'unknown_list',
      `unknown list ${names.map((n) => JSON.stringify(n)).join(', ')}: define the scan on this connection ` +
        `({"op":"scan"}) or save it for this token (/api/scans) first`,
    );
  }

  private sendError(ws: Socket, code: ErrorCode, message: string): void {
    this.o.metrics.clientErrors.inc({ code });
    this.o.fanOut.send(ws, JSON.stringify({ type: 'error', code, message }));
  }
}
