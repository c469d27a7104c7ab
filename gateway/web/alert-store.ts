import type { AlertKind } from '../../shared/alerts/alert-settings.js';
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';

/*
 * The alerts the page holds, pure: newest first, each once (a resync sends the last 200 again, and they are
 * told apart by epoch and seq, SPEC §14), at most `cap`. Whether one is news (worth a sound) is decided here
 * too: a new alert whose instant is recent, so that the backlog a subscription starts with stays silent.
 */

/** How recent (on the gateway's clock) an alert must be to sound: the backlog of a (re)subscription is older. */
export const FRESH_MS = 15_000;

export const alertKey = (a: Pick<AlertMessage, 'epoch' | 'seq'>): string => `${a.epoch}/${a.seq}`;

export class AlertStore {
  private readonly keys = new Set<string>();
  private held: AlertMessage[] = [];

  constructor(private readonly cap = 500) {}

  /** Newest first (by instant, then seq). */
  get alerts(): readonly AlertMessage[] {
    return this.held;
  }

  /** Adds `alert` unless held already; true when it was new. */
  add(alert: AlertMessage): boolean {
    const key = alertKey(alert);
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    const t = Date.parse(alert.ts);
    let i = 0;
    // Alerts nearly always arrive newest last: the insertion point is at the front.
    while (i < this.held.length) {
      const h = this.held[i]!;
      const ht = Date.parse(h.ts);
      if (ht < t || (ht === t && h.seq < alert.seq)) break;
      i++;
    }
    this.held.splice(i, 0, alert);
    for (const dropped of this.held.splice(this.cap)) this.keys.delete(alertKey(dropped));
    return true;
  }

  clear(): void {
    this.keys.clear();
    this.held = [];
  }
}

/** The alerts of the kinds shown, newest first, at most `limit`. */
export function visibleAlerts(
  alerts: readonly AlertMessage[],
  hidden: ReadonlySet<AlertKind>,
  limit: number,
): AlertMessage[] {
  const out: AlertMessage[] = [];
  for (const a of alerts) {
    if (hidden.has(a.kind)) continue;
    out.push(a);
    if (out.length >= limit) break;
  }
  return out;
}

/** Whether an alert is news, worth a sound: its instant within FRESH_MS of now on the gateway's clock. */
export const isFresh = (alert: Pick<AlertMessage, 'ts'>, serverNow: number): boolean =>
  serverNow - Date.parse(alert.ts) <= FRESH_MS;
