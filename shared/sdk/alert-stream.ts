import type { AlertMessage } from '../protocol/alert-messages.js';
import type { ClientMessage } from '../protocol/messages.js';

/** A `where` on the alerts (SPEC §14: the scan language's groups, e.g. `[[{field:'price',op:'<',value:20}]]`). */
export type AlertFilter = readonly (readonly Readonly<Record<string, unknown>>[])[];

/**
 * The SDK's side of the alerts subscription: what to ask for again after a reconnection, and which alerts are
 * new. A subscribe and a resync both start with the recent alerts (up to 200), so after a reconnection some
 * arrive twice; an alert is new when its epoch differs from the last one passed on, or its seq is higher.
 */
export class AlertStream {
  private where: AlertFilter | undefined;
  private last: { epoch: string; seq: number } | undefined;

  get subscribed(): boolean {
    return this.where !== undefined;
  }

  /**
   * The subscribe op for `where` ([] = every alert), remembered for the next connection. A new filter starts
   * over: the recent alerts matching it are passed on, even those passed under the previous filter.
   */
  subscribe(where: AlertFilter = []): ClientMessage {
    this.where = where;
    this.last = undefined;
    return this.op();
  }

  unsubscribe(): void {
    this.where = undefined;
  }

  /** The subscribe op to send on a new connection, if subscribed. */
  resubscribe(): ClientMessage | undefined {
    return this.where === undefined ? undefined : this.op();
  }

  /** true when `alert` is to be passed on (and remembers it as the last). */
  accept(alert: AlertMessage): boolean {
    if (this.where === undefined) return false;
    const last = this.last;
    if (last && last.epoch === alert.epoch && alert.seq <= last.seq) return false;
    this.last = { epoch: alert.epoch, seq: alert.seq };
    return true;
  }

  private op(): ClientMessage {
    return this.where!.length === 0
      ? { op: 'subscribe', lists: ['alerts'] }
      : { op: 'subscribe', lists: ['alerts'], where: this.where };
  }
}
