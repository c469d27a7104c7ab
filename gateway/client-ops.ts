import type { Logger } from '../shared/logger.js';
import type { ClientMessage, ERROR_CODES } from '../shared/protocol/messages.js';
import { CLOSE_POLICY_VIOLATION, type Socket } from './client-connections.js';
import { RATE_LIMIT_PER_SECOND } from './client-policy.js';
import { parseClientMessage, selectedLists } from './client-protocol.js';
import type { FanOut } from './fan-out.js';
import type { GatewayMetrics } from './metrics.js';

type ErrorCode = (typeof ERROR_CODES)[number];

export interface ClientOpsOptions {
  readonly fanOut: FanOut;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * The client → gateway frames of SPEC §8: the rate limit and bad-frame policy on each frame, then the ops
 * (subscribe, unsubscribe, resync, ping). A new op is a case in {@link ClientOps.handle}; what it sends goes
 * through fan-out.ts.
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
    const { fanOut } = this.o;
    const s = ws.getUserData();
    switch (msg.op) {
      case 'subscribe':
        ws.cork(() => {
          for (const l of selectedLists(msg.lists)) {
            s.lists.add(l);
            // A conflated socket gets its snapshots when it drains.
            if (!s.policy.conflated) fanOut.join(ws, l);
          }
        });
        return;
      case 'unsubscribe':
        for (const l of selectedLists(msg.lists)) {
          s.lists.delete(l);
          fanOut.leave(ws, l);
        }
        return;
      case 'resync':
        if (!s.policy.conflated) fanOut.sendSnapshot(ws, msg.list);
        return;
      case 'ping':
        fanOut.send(ws, JSON.stringify({ type: 'pong', id: msg.id }));
        return;
    }
  }

  private sendError(ws: Socket, code: ErrorCode, message: string): void {
    this.o.metrics.clientErrors.inc({ code });
    this.o.fanOut.send(ws, JSON.stringify({ type: 'error', code, message }));
  }
}
