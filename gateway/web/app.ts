/// <reference lib="dom" />
/*
 * The web page at `/`: every list as a compact table, kept current by the client SDK. Bundled by assets.ts
 * (esbuild) when the gateway starts. A token given as `/?token=…` is forwarded to `/ws`.
 *
 * Rows are keyed by symbol and their <tr> reused, so a symbol that moves keeps its element: the highlight of
 * a row just added (blue) or moved up (green) survives the next update instead of restarting.
 */
import type { AnyListName, Freshness, ListMessage, ScanRow } from '../../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../../shared/scan/lists.js';
import { ListClient, type ConnectionStatus, type ListClientError } from '../../shared/sdk/list-client.js';
import { bootstrapBanner } from './bootstrap-banner.js';
import {
  COLUMNS,
  formatClock,
  freshnessAge,
  LIST_TITLES,
  MISSING,
  sessionTitle,
  sourceTitle,
} from './format.js';

/** While connected, the pill says how fresh the lists are (sourceTitle), never merely "Live". */
const STATUS_TEXT: Readonly<Record<ConnectionStatus, string>> = {
  connecting: 'Connecting…',
  open: 'Connected',
  closed: 'Disconnected — retrying',
};
const FLASH_CLASSES = ['flash-new', 'flash-up'] as const;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; title?: string } = {},
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.title !== undefined) el.title = props.title;
  return el;
}

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el;
}

interface RowView {
  readonly tr: HTMLTableRowElement;
  readonly cells: readonly HTMLTableCellElement[];
  rank: number;
}

/** One list's table. */
class ListTable {
  readonly section = element('section');
  private readonly count = element('span', { className: 'count', text: MISSING });
  private readonly body = element('tbody');
  private readonly empty = element('tr');
  private readonly views = new Map<string, RowView>();
  private loaded = false;

  constructor(list: ListName) {
    this.section.dataset.list = list;
    const h2 = element('h2', { text: LIST_TITLES[list] });
    h2.append(this.count);
    const headRow = element('tr');
    for (const c of COLUMNS)
      headRow.append(element('th', { className: c.numeric ? 'num' : '', text: c.label, title: c.title }));
    const thead = element('thead');
    thead.append(headRow);
    const emptyCell = element('td', { className: 'empty', text: 'Waiting for the first scan…' });
    emptyCell.colSpan = COLUMNS.length;
    this.empty.append(emptyCell);
    this.body.append(this.empty);
    const table = element('table');
    table.append(thead, this.body);
    this.section.append(h2, table);
  }

  render(rows: readonly ScanRow[]): void {
    const first = !this.loaded;
    this.loaded = true;
    this.count.textContent = String(rows.length);
    (this.empty.firstChild as HTMLElement).textContent = 'No symbols';
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      seen.add(row.symbol);
      let view = this.views.get(row.symbol);
      const before = view?.rank;
      if (!view) this.views.set(row.symbol, (view = this.create(row.symbol)));
      view.rank = row.rank;
      this.fill(view, row);
      const at = this.body.children[i];
      if (at !== view.tr) this.body.insertBefore(view.tr, at ?? null);
      // The first snapshot fills the table: nothing in it is news.
      if (first) return;
      if (before === undefined) flash(view.tr, 'flash-new');
      else if (row.rank < before) flash(view.tr, 'flash-up');
    });
    for (const [symbol, view] of this.views) {
      if (seen.has(symbol)) continue;
      view.tr.remove();
      this.views.delete(symbol);
    }
    if (rows.length === 0) this.body.append(this.empty);
    else this.empty.remove();
  }

  private create(symbol: string): RowView {
    const tr = element('tr');
    tr.dataset.symbol = symbol;
    tr.addEventListener('animationend', () => tr.classList.remove(...FLASH_CLASSES));
    const cells = COLUMNS.map((c, i) =>
      element('td', { className: i === 0 ? 'num rank' : c.numeric ? 'num' : 'sym' }),
    );
    tr.append(...cells);
    return { tr, cells, rank: 0 };
  }

  private fill(view: RowView, row: ScanRow): void {
    COLUMNS.forEach((c, i) => {
      const td = view.cells[i]!;
      const text = c.text(row);
      if (td.textContent !== text) td.textContent = text;
      const tone = c.tone?.(row);
      td.classList.toggle('up', tone === 'up');
      td.classList.toggle('down', tone === 'down');
      td.classList.toggle('pending', c.pending?.(row) ?? false);
      const title = c.cellTitle?.(row) ?? '';
      if (td.title !== title) td.title = title;
    });
  }
}

/** How often the page asks `/health` for the bootstrap's progress (the gateway re-reads it every 2 s). */
const BOOTSTRAP_POLL_MS = 5000;

/** Shows the first-start bootstrap's progress ("Warming up: history 3,412 / 12,000 tickers · ETA 4 min"). */
function followBootstrap(el: HTMLElement): void {
  const poll = async () => {
    try {
      // /health answers 503 while the data is stale; its body carries the bootstrap either way.
      const res = await fetch('/health', { cache: 'no-store' });
      const banner = bootstrapBanner(((await res.json()) as { bootstrap?: unknown }).bootstrap);
      el.hidden = banner === null;
      if (banner !== null) {
        el.textContent = banner.text;
        el.dataset.tone = banner.tone;
      }
    } catch {
      // The connection status already says when the gateway cannot be reached.
    }
  };
  void poll();
  setInterval(() => void poll(), BOOTSTRAP_POLL_MS);
}

/** Restarts the highlight animation even when the row is already highlighted. */
function flash(tr: HTMLTableRowElement, cls: (typeof FLASH_CLASSES)[number]): void {
  tr.classList.remove(...FLASH_CLASSES);
  void tr.offsetWidth; // reflow: the animation starts again from its first frame
  tr.classList.add(cls);
}

function main(): void {
  const status = byId('status');
  const statusText = status.querySelector('span')!;
  const session = byId('session');
  const updated = byId('updated') as HTMLTimeElement;
  const age = byId('age');
  const banner = byId('error');
  followBootstrap(byId('bootstrap'));
  const tables = new Map(LIST_NAMES.map((l) => [l, new ListTable(l)] as const));
  byId('lists').append(...[...tables.values()].map((t) => t.section));

  let lastTs: string | undefined;
  let connection: ConnectionStatus = 'connecting';
  /** The gateway's last word on freshness, and when (this page's clock) it came: the age grows from there. */
  let fresh: { readonly f: Freshness; readonly at: number } | undefined;
  const showStatus = () => {
    const source = connection === 'open' ? fresh?.f.source : undefined;
    status.dataset.status = connection;
    if (source) status.dataset.source = source;
    else delete status.dataset.source;
    statusText.textContent = source ? sourceTitle(source) : STATUS_TEXT[connection];
    if (!fresh) return;
    const { source: s, ageMs, session: sessionNow } = fresh.f;
    age.textContent = freshnessAge(s, ageMs === null ? null : ageMs + Date.now() - fresh.at);
    if (sessionNow) session.textContent = sessionTitle(sessionNow);
  };
  const onFreshness = (f: Freshness) => {
    fresh = { f, at: Date.now() };
    showStatus();
  };
  setInterval(showStatus, 1000);
  // Heartbeats come every few seconds: /health says it at once (it needs no token).
  fetch('/health')
    .then((res) => res.json() as Promise<Freshness>)
    .then((f) => fresh ?? onFreshness({ source: f.source, ageMs: f.ageMs, session: f.session }))
    .catch(() => undefined);

  const token = new URLSearchParams(location.search).get('token') ?? undefined;
  const client = new ListClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    lists: ['*'],
    ...(token === undefined ? {} : { token }),
  });
  client.onStatus((s) => {
    connection = s;
    showStatus();
    if (s === 'open') banner.hidden = true;
  });
  client.onFreshness(onFreshness);
  client.onError((e: ListClientError) => {
    // A browser says nothing about a refused upgrade (a wrong token looks like a network error).
    banner.textContent =
      e.source === 'server'
        ? `${e.code}: ${e.message}`
        : e.source === 'transport'
          ? `Cannot reach the scanner (${e.message}). Retrying… If it needs a token, open /?token=…`
          : e.message;
    banner.hidden = false;
  });
  client.onList((list: AnyListName, rows: readonly ScanRow[], msg: ListMessage) => {
    tables.get(list as ListName)?.render(rows);
    if (lastTs === undefined || msg.ts > lastTs) lastTs = msg.ts;
    updated.textContent = formatClock(lastTs);
    updated.dateTime = lastTs;
    const s = rows[0]?.session;
    if (s && !fresh?.f.session) session.textContent = sessionTitle(s);
  });
  client.start();
}

main();
