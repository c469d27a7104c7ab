import { ALERT_KINDS, type AlertKind } from '../../shared/alerts/alert-settings.js';
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';
import type { SourceState } from '../../shared/protocol/messages.js';
import type { AlertSound } from './alert-sound.js';
import { visibleAlerts, type AlertStore } from './alert-store.js';
import { COLUMN_KEYS } from './columns.js';
import { ConditionBuilder } from './condition-builder.js';
import { button, element, setText } from './dom.js';
import { formatClock, formatPercent, formatPrice, formatRatio, formatVolume } from './format.js';
import { ROW_CHOICES, type PanelConfig, type PanelPatch } from './layout-store.js';
import { FIELDS, placeIssues, toWhere, type Where } from './scan-form.js';

/*
 * The alert window (issue #12 item 4): a panel of the grid showing the live alert stream (SPEC §14) newest
 * first, with the time, symbol, kind, description and the row's key numbers. Per-kind toggles hide a kind (and
 * silence it); the filter is the scan language's `where` over the alert's row, sent to the gateway as the
 * subscription's (so filtered alerts never cross the network); the bell mutes every sound. A click on an alert
 * opens the symbol's detail.
 */

export const KIND_LABELS: Readonly<Record<AlertKind, string>> = {
  new_high: 'New high',
  new_low: 'New low',
  running_up: 'Running up',
  running_down: 'Running down',
  volume_spike: 'Volume spike',
  entered_list: 'Entered list',
  halt: 'Halt',
  resume: 'Resume',
};

/** The fields a filter may name: an alert carries its row, so row fields only (alert-where.ts on the gateway). */
const FILTER_FIELDS = FIELDS.map((f) => f.name).filter(
  (f) => f === 'anomalyRvol' || (COLUMN_KEYS as readonly string[]).includes(f),
);

const HEADERS = ['Time', 'Symbol', 'Kind', 'Alert', 'Price', 'Chg %', 'RVOL', 'Volume'] as const;

export interface AlertPanelEvents {
  readonly onConfig: (patch: PanelPatch) => void;
  readonly onMove: (by: number) => void;
  readonly onRemove: () => void;
  readonly onOpen: (symbol: string) => void;
  /** The filter changed: the subscription's `where` ([] for every alert). */
  readonly onWhere: (where: Where) => void;
}

/** How long after a filter is sent a refusal from the gateway is taken as its answer. */
const CLAIM_MS = 10_000;

export class AlertPanel {
  readonly section = element('section', { className: 'panel alerts' });
  private readonly count = element('span', { className: 'count', text: '0' });
  private readonly badge = element('span', { className: 'badge' });
  private readonly body = element('tbody');
  private readonly rowsSelect = element('select', { className: 'rows-shown' });
  private readonly mute = element('button', { className: 'mute' });
  private readonly toggles = new Map<AlertKind, HTMLButtonElement>();
  private readonly filterBox = element('details', { className: 'alert-filter' });
  private readonly filterSummary = element('summary', { text: 'Filter' });
  private readonly filter = new ConditionBuilder(FILTER_FIELDS, true, 'No condition: every alert.');
  private readonly filterIssues = element('div', { className: 'form-issues' });
  private hidden = new Set<AlertKind>();
  private drawQueued = false;
  private filterSentAt = 0;

  constructor(
    private config: PanelConfig,
    private readonly events: AlertPanelEvents,
    private readonly store: AlertStore,
    private readonly sound: AlertSound,
  ) {
    this.section.dataset.list = config.list;
    this.section.dataset.panel = config.id;
    for (const n of ROW_CHOICES) this.rowsSelect.append(new Option(`${n} rows`, String(n)));
    this.rowsSelect.setAttribute('aria-label', 'Alerts shown');
    this.rowsSelect.addEventListener('change', () =>
      events.onConfig({ rows: Number(this.rowsSelect.value) }),
    );
    this.mute.type = 'button';
    this.mute.addEventListener('click', () => sound.setMuted(!sound.muted));
    sound.onMuted(() => this.showMute());
    this.showMute();
    const title = element('h2', { text: 'Alerts', title: 'The live alert stream' }, this.count);
    const tools = element(
      'div',
      { className: 'tools' },
      this.rowsSelect,
      this.mute,
      button('◀', 'Move this panel earlier', () => events.onMove(-1)),
      button('▶', 'Move this panel later', () => events.onMove(1)),
      button('✕', 'Remove this panel', () => events.onRemove(), 'remove'),
    );
    const kinds = element('div', { className: 'kinds' });
    for (const kind of ALERT_KINDS) {
      const b = button(
        KIND_LABELS[kind],
        `Show or hide ${KIND_LABELS[kind]} alerts`,
        () => {
          const next = new Set(this.hidden);
          if (next.has(kind)) next.delete(kind);
          else next.add(kind);
          events.onConfig({ hiddenKinds: [...next] });
        },
        `kind kind-${kind}`,
      );
      b.dataset.kind = kind;
      this.toggles.set(kind, b);
      kinds.append(b);
    }
    this.filterBox.append(
      this.filterSummary,
      element(
        'div',
        { className: 'filter-body' },
        this.filter.el,
        this.filterIssues,
        button(
          'Apply',
          'Receive only the alerts matching these conditions',
          () => this.applyFilter(),
          'apply-filter primary',
        ),
        button(
          'Clear',
          'Receive every alert',
          () => {
            this.filter.set([]);
            this.applyFilter();
          },
          'clear-filter',
        ),
      ),
    );
    const head = element(
      'tr',
      {},
      ...HEADERS.map((h) =>
        element('th', {
          text: h,
          className: h === 'Time' || h === 'Symbol' || h === 'Kind' || h === 'Alert' ? '' : 'num',
        }),
      ),
    );
    const table = element('table', {}, element('thead', {}, head), this.body);
    this.section.append(
      element('header', {}, title, this.badge, tools),
      element('div', { className: 'alert-tools' }, kinds, this.filterBox),
      element('div', { className: 'table-wrap' }, table),
    );
    this.filter.set(config.filter ?? []);
    this.configure(config);
  }

  get id(): string {
    return this.config.id;
  }

  get list(): string {
    return this.config.list;
  }

  /** The subscription's `where` for the filter as stored. */
  get where(): Where {
    return toWhere(this.config.filter ?? []);
  }

  configure(config: PanelConfig): void {
    this.config = config;
    this.rowsSelect.value = String(config.rows);
    this.hidden = new Set(
      (config.hiddenKinds ?? []).filter((k): k is AlertKind =>
        (ALERT_KINDS as readonly string[]).includes(k),
      ),
    );
    for (const [kind, b] of this.toggles) b.setAttribute('aria-pressed', String(!this.hidden.has(kind)));
    const active = (config.filter ?? []).some((g) => g.length > 0);
    setText(this.filterSummary, active ? 'Filter (on)' : 'Filter');
    this.filterSummary.classList.toggle('on', active);
    this.draw();
  }

  setSource(source: SourceState | undefined): void {
    this.section.dataset.source = source ?? 'unknown';
  }

  /** A new alert arrived (held in the store already); `fresh`: news, not backlog, so it may sound. */
  arrived(alert: AlertMessage, fresh: boolean): void {
    if (fresh && !this.hidden.has(alert.kind)) this.sound.play(alert.kind);
    this.queueDraw();
  }

  /** Everything changed (a resync, a new filter): redraw. */
  refresh(): void {
    this.queueDraw();
  }

  /** Takes the gateway's refusal of the filter just sent (true: shown beside the filter, not in the banner). */
  claimError(code: string, message: string): boolean {
    if (
      code !== 'bad_request' ||
      Date.now() - this.filterSentAt > CLAIM_MS ||
      !/^(scan\.)?where/.test(message)
    )
      return false;
    this.filterSentAt = 0;
    const issues = placeIssues([message]);
    this.filter.showIssues(issues);
    this.filterIssues.replaceChildren(
      element('p', { className: 'issue', text: `Filter refused: ${message}` }),
    );
    this.filterBox.open = true;
    return true;
  }

  private applyFilter(): void {
    const filter = this.filter.value.filter((g) => g.length > 0).map((g) => [...g]);
    this.filter.showIssues([]);
    this.filterIssues.replaceChildren();
    this.filterSentAt = Date.now();
    this.events.onConfig({ filter });
    this.events.onWhere(toWhere(filter));
  }

  private showMute(): void {
    const muted = this.sound.muted;
    setText(this.mute, muted ? '♪ Muted' : '♪ Sound on');
    this.mute.title = muted ? 'Sounds are off: click to hear alerts' : 'Click to mute the alert sounds';
    this.mute.setAttribute('aria-pressed', String(muted));
    this.mute.setAttribute('aria-label', muted ? 'Unmute alerts' : 'Mute alerts');
  }

  private queueDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  private draw(): void {
    const shown = visibleAlerts(this.store.alerts, this.hidden, this.config.rows);
    setText(this.count, String(shown.length));
    if (shown.length === 0) {
      const td = element('td', { className: 'empty', text: 'No alerts yet' });
      td.colSpan = HEADERS.length;
      this.body.replaceChildren(element('tr', {}, td));
      return;
    }
    this.body.replaceChildren(...shown.map((a) => this.row(a)));
  }

  private row(a: AlertMessage): HTMLTableRowElement {
    const r = a.row;
    const change = r.changePercent;
    const cells = [
      element('td', { className: 'time', text: formatClock(a.ts).replace(' ET', '') }),
      element('td', { className: 'sym', text: a.symbol, title: r.companyName ?? '' }),
      element('td', { className: `kind-cell kind-${a.kind}`, text: KIND_LABELS[a.kind] }),
      element('td', { className: 'text desc', text: a.description, title: a.description }),
      element('td', { className: 'num', text: formatPrice(a.price) }),
      element('td', {
        className: `num ${change === null || change === 0 ? '' : change > 0 ? 'up' : 'down'}`,
        text: formatPercent(change),
      }),
      element('td', { className: 'num', text: formatRatio(r.rvolSlot ?? r.rvol) }),
      element('td', { className: 'num', text: formatVolume(r.volumeToday) }),
    ];
    const tr = element('tr', {}, ...cells);
    tr.dataset.symbol = a.symbol;
    tr.dataset.kind = a.kind;
    tr.dataset.seq = String(a.seq);
    tr.addEventListener('click', () => this.events.onOpen(a.symbol));
    return tr;
  }
}
