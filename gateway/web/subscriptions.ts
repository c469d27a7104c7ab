import type { AnyListName } from '../../shared/protocol/messages.js';
import type { ListClient } from '../../shared/sdk/list-client.js';
import { ALERTS_PANEL } from './layout-store.js';
import type { Where } from './scan-form.js';

/*
 * What the panels need from the connection beyond the built-in lists: their scans (`scan:<id>`) and the alert
 * stream. A scan list is subscribed only once the page knows the scan exists (defined for this session, or saved
 * for the token): the gateway refuses a whole `subscribe` when one name in it is unknown (all or nothing), and the
 * SDK sends every list in one op when it reconnects — a panel of a scan deleted elsewhere must not take the
 * built-in lists down with it. Such a panel says why it is empty instead.
 */

export interface SubscriptionView {
  /** `list` will not come: its panels say why. */
  readonly missing: (list: string, reason: string) => void;
  /** The alert window's filter, when the subscription starts. */
  readonly alertWhere: () => Where;
}

export const UNKNOWN_SCAN = 'This scan is not defined any more (kept for a session that ended, or deleted).';
export const SAVED_UNAVAILABLE = 'Waiting for the saved scans (see Scans)…';

const isScanList = (list: string): boolean => list.startsWith('scan:');

export class PanelSubscriptions {
  /** The scans that exist, as lists (`scan:<id>`). */
  private known = new Set<string>();
  /** Whether the token's saved scans have been read: until then an unknown scan may be a saved one. */
  private savedRead = false;
  private subscribed = new Set<string>();
  private wantedLists: readonly string[] = [];
  private alertsOn = false;

  constructor(
    private readonly client: ListClient,
    private readonly view: SubscriptionView,
  ) {}

  /** The scans that exist now; `savedRead`: the token's saved ones are among them. */
  setKnown(ids: readonly string[], savedRead: boolean): void {
    this.known = new Set(ids.map((id) => `scan:${id}`));
    this.savedRead ||= savedRead;
    this.sync(this.wantedLists);
  }

  /** The panels' lists changed. */
  sync(lists: readonly string[]): void {
    this.wantedLists = lists;
    const scans = lists.filter(isScanList);
    const ready = new Set(scans.filter((l) => this.known.has(l)));
    for (const l of scans)
      if (!ready.has(l)) this.view.missing(l, this.savedRead ? UNKNOWN_SCAN : SAVED_UNAVAILABLE);
    const gone = [...this.subscribed].filter((l) => !ready.has(l));
    const added = [...ready].filter((l) => !this.subscribed.has(l));
    this.subscribed = ready;
    if (gone.length > 0) this.client.unsubscribe(gone as AnyListName[]);
    if (added.length > 0) this.client.subscribe(added as AnyListName[]);
    const alerts = lists.includes(ALERTS_PANEL);
    if (alerts && !this.alertsOn) this.client.subscribeAlerts(this.view.alertWhere());
    else if (!alerts && this.alertsOn) this.client.unsubscribeAlerts();
    this.alertsOn = alerts;
  }

  /** Whether the panels hold `list` (the editor's preview must not unsubscribe it then). */
  holds(list: string): boolean {
    return this.subscribed.has(list);
  }

  /**
   * The gateway refused scans it does not know in a subscribe (deleted since, from another tab): those panels say
   * so (the other lists of the op were subscribed). True when the error was about them.
   */
  refused(message: string): boolean {
    const unknown = [...this.subscribed].filter((l) => message.includes(JSON.stringify(l)));
    if (unknown.length === 0) return false;
    for (const l of unknown) {
      this.known.delete(l);
      this.view.missing(l, UNKNOWN_SCAN);
    }
    this.subscribed = new Set([...this.subscribed].filter((l) => !unknown.includes(l)));
    this.client.unsubscribe(unknown as AnyListName[]);
    return true;
  }
}
