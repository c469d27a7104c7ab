import type { Intraday } from '../../shared/db/intraday.js';
import type { TickerMetadata } from '../../shared/db/types.js';
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';
import type { ScanRow } from '../../shared/protocol/messages.js';
import { KIND_LABELS } from './alert-panel.js';
import { alertKey } from './alert-store.js';
import { COLUMN_KEYS, COLUMNS } from './columns.js';
import { api, ApiError } from './connection.js';
import { button, element, setText } from './dom.js';
import { formatClock, formatPercent, formatPrice, formatVolume, listTitle, MISSING } from './format.js';
import { sparkline } from './sparkline.js';

/*
 * The detail drawer of one symbol: its full row (live, redrawn as the lists move), the lists it is in with its
 * rank, an intraday sparkline (GET /api/tickers/:symbol/intraday), its reference data (GET /api/tickers/:symbol),
 * and its recent alerts (GET /api/alerts?symbol=, with those the page received since: the table is written
 * through the jobs queue, a moment after the stream). Escape or ✕ closes it.
 */

/** How many of a symbol's alerts the drawer lists. */
const DETAIL_ALERTS = 20;

export interface LiveSymbol {
  readonly row: ScanRow | undefined;
  /** [list, rank] for each list holding the symbol now. */
  readonly lists: readonly (readonly [string, number])[];
}

interface TickerResponse {
  readonly row: ScanRow | null;
  readonly metadata: TickerMetadata | null;
}

const SVG = 'http://www.w3.org/2000/svg';
const CHART_W = 360;
const CHART_H = 80;

const METADATA_FIELDS: readonly (readonly [keyof TickerMetadata, string, (v: never) => string])[] = [
  ['companyName', 'Company', String],
  ['exchange', 'Exchange', String],
  ['sector', 'Sector', String],
  ['industry', 'Industry', String],
  ['marketCap', 'Market cap', formatVolume],
  ['floatShares', 'Float', formatVolume],
  ['sharesOutstanding', 'Shares out', formatVolume],
  ['avgVolume30d', 'Avg vol 30d', formatVolume],
  ['avgVolume10d', 'Avg vol 10d', formatVolume],
  ['avgPrice30d', 'Avg price 30d', formatPrice],
  ['beta', 'Beta', (v: number) => v.toFixed(2)],
  ['isEtf', 'ETF', (v: boolean) => (v ? 'yes' : 'no')],
];

export class DetailDrawer {
  private symbol: string | undefined;
  /** The row the API gave when the page holds none (a symbol in no list now). */
  private apiRow: ScanRow | null = null;
  private readonly title = element('h2');
  private readonly company = element('p', { className: 'company' });
  private readonly quote = element('p', { className: 'quote' });
  private readonly lists = element('div', { className: 'chips' });
  private readonly chart = element('div', { className: 'chart' });
  private readonly fields = element('dl', { className: 'fields' });
  private readonly reference = element('dl', { className: 'fields' });
  private readonly alerts = element('ol', { className: 'detail-alerts' });
  /** The symbol's alerts from the API (oldest first), merged with the live ones on each refresh. */
  private storedAlerts: readonly AlertMessage[] | undefined;
  private alertsNote = '';

  constructor(
    private readonly el: HTMLElement,
    private readonly live: (symbol: string) => LiveSymbol,
    private readonly liveAlerts: (symbol: string) => readonly AlertMessage[] = () => [],
  ) {
    const section = (name: string, title: string, ...body: Node[]) => {
      const s = element('section', {}, element('h3', { text: title }), ...body);
      s.dataset.section = name;
      return s;
    };
    el.replaceChildren(
      element(
        'header',
        {},
        this.title,
        button('✕', 'Close the detail (Escape)', () => this.close(), 'close'),
      ),
      this.company,
      this.quote,
      section('lists', 'In lists', this.lists),
      section('chart', 'Intraday', this.chart),
      section('row', 'Row', this.fields),
      section('reference', 'Reference data', this.reference),
      section('alerts', 'Alerts', this.alerts),
    );
    el.setAttribute('role', 'dialog');
    el.setAttribute('aria-label', 'Symbol detail');
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.symbol !== undefined) this.close();
    });
  }

  get openSymbol(): string | undefined {
    return this.symbol;
  }

  open(symbol: string): void {
    this.symbol = symbol;
    this.apiRow = null;
    this.el.dataset.symbol = symbol;
    this.el.hidden = false;
    setText(this.title, symbol);
    setText(this.company, '');
    this.reference.replaceChildren(element('dd', { className: 'muted', text: 'Loading…' }));
    this.chart.replaceChildren(element('p', { className: 'muted', text: 'Loading…' }));
    this.storedAlerts = undefined;
    this.alertsNote = 'Loading…';
    this.refresh();
    api<{ alerts: AlertMessage[] }>(`/api/alerts?symbol=${encodeURIComponent(symbol)}&limit=${DETAIL_ALERTS}`)
      .then((r) => {
        if (this.symbol !== symbol) return;
        this.storedAlerts = r.alerts;
        this.alertsNote = '';
        this.showAlerts();
      })
      .catch(() => {
        if (this.symbol !== symbol) return;
        this.alertsNote = 'Stored alerts unavailable right now.';
        this.showAlerts();
      });
    const path = `/api/tickers/${encodeURIComponent(symbol)}`;
    api<TickerResponse>(path)
      .then((t) => {
        if (this.symbol !== symbol) return;
        this.apiRow = t.row;
        this.showReference(t.metadata);
        this.refresh();
      })
      .catch((e: unknown) => {
        if (this.symbol !== symbol) return;
        const text =
          e instanceof ApiError && e.status === 404
            ? 'The scanner knows nothing about this symbol.'
            : 'Reference data unavailable right now.';
        this.reference.replaceChildren(element('dd', { className: 'muted', text }));
      });
    api<Intraday>(`${path}/intraday`)
      .then((d) => {
        if (this.symbol === symbol) this.showChart(d);
      })
      .catch(() => {
        if (this.symbol !== symbol) return;
        this.chart.replaceChildren(
          element('p', { className: 'muted', text: 'No chart: history unavailable.' }),
        );
      });
  }

  close(): void {
    this.symbol = undefined;
    this.el.hidden = true;
    delete this.el.dataset.symbol;
  }

  /** Redraws the live parts (row, lists) from the rows the page holds now. */
  refresh(): void {
    if (this.symbol === undefined) return;
    const live = this.live(this.symbol);
    const row = live.row ?? this.apiRow ?? undefined;
    if (row?.companyName) setText(this.company, row.companyName);
    this.showQuote(row);
    this.showAlerts();
    this.lists.replaceChildren(
      ...(live.lists.length === 0
        ? [element('span', { className: 'muted', text: 'In no list now' })]
        : live.lists.map(([list, rank]) => {
            const chip = element('span', { className: 'chip', text: `${listTitle(list)} #${rank}` });
            chip.dataset.list = list;
            return chip;
          })),
    );
    if (!row) {
      this.fields.replaceChildren(element('dd', { className: 'muted', text: 'No live row' }));
      return;
    }
    this.fields.replaceChildren(
      ...COLUMN_KEYS.filter((k) => k !== 'rank' && k !== 'symbol').flatMap((k) => {
        const c = COLUMNS.get(k)!;
        const dd = element('dd', { text: c.text(row), className: c.tone?.(row) ?? '' });
        dd.dataset.key = k;
        return [element('dt', { text: c.label, title: c.title }), dd];
      }),
    );
  }

  /** The symbol's alerts, newest first: the stored ones and those received live, each once. */
  private showAlerts(): void {
    if (this.symbol === undefined) return;
    const byKey = new Map<string, AlertMessage>();
    for (const a of [...(this.storedAlerts ?? []), ...this.liveAlerts(this.symbol)])
      byKey.set(alertKey(a), a);
    const alerts = [...byKey.values()]
      .sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts) || b.seq - a.seq)
      .slice(0, DETAIL_ALERTS);
    const items = alerts.map((a) => {
      const li = element(
        'li',
        {},
        element('time', { text: formatClock(a.ts) }),
        element('b', { className: `kind-cell kind-${a.kind}`, text: KIND_LABELS[a.kind] }),
        element('span', { text: a.description }),
      );
      li.dataset.kind = a.kind;
      return li;
    });
    const note = this.alertsNote || (items.length === 0 ? 'No alert for this symbol recently.' : '');
    if (note) items.push(element('li', { className: 'muted', text: note }));
    this.alerts.replaceChildren(...items);
  }

  private showQuote(row: ScanRow | undefined): void {
    if (!row) {
      setText(this.quote, MISSING);
      return;
    }
    const change = row.changePercent;
    const pct = element('span', {
      className: change === null || change === 0 ? '' : change > 0 ? 'up' : 'down',
      text: formatPercent(change),
    });
    this.quote.replaceChildren(element('b', { text: formatPrice(row.price) }), ' ', pct);
  }

  private showReference(m: TickerMetadata | null): void {
    if (!m) {
      this.reference.replaceChildren(element('dd', { className: 'muted', text: 'No reference data yet' }));
      return;
    }
    if (m.companyName) setText(this.company, m.companyName);
    this.reference.replaceChildren(
      ...METADATA_FIELDS.flatMap(([key, label, format]) => {
        const v = m[key];
        return [
          element('dt', { text: label }),
          element('dd', { text: v === null ? MISSING : format(v as never) }),
        ];
      }),
    );
  }

  private showChart(d: Intraday): void {
    const line = sparkline(
      d.points.map((p) => ({ t: Date.parse(p.time), price: p.price })),
      CHART_W,
      CHART_H,
    );
    if (!line || line.path === '') {
      this.chart.replaceChildren(
        element('p', { className: 'muted', text: 'No intraday history persisted for this symbol yet.' }),
      );
      return;
    }
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${CHART_W} ${CHART_H}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${this.symbol ?? ''} price on ${d.date ?? ''}`);
    svg.classList.add('sparkline', line.last >= line.first ? 'up' : 'down');
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', line.path);
    svg.append(path);
    const legend = element(
      'p',
      { className: 'legend' },
      element('span', { text: `${d.date ?? ''} · ${d.points.length} min` }),
      element('span', { text: `L ${formatPrice(line.low)} · H ${formatPrice(line.high)}` }),
    );
    this.chart.replaceChildren(svg, legend);
  }
}
