/// <reference lib="dom" />
/*
 * The web page at `/`: every list as a compact table, kept current by the client SDK. Bundled by assets.ts
 * (esbuild) when the gateway starts. A token given as `/?token=…` is forwarded to `/ws`.
 *
 * Rows are keyed by symbol and their <tr> reused, so a symbol that moves keeps its element: the highlight of
 * a row just added (blue) or moved up (green) survives the next update instead of restarting.
 */
import type { ListMessage, ScanRow } from '../../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../../shared/scan/lists.js';
import { ListClient, type ConnectionStatus, type ListClientError } from '../../shared/sdk/list-client.js';
import { COLUMNS, formatAge, formatClock, LIST_TITLES, MISSING, sessionTitle } from './format.js';

const STATUS_TEXT: Readonly<Record<ConnectionStatus, string>> = {
  connecting: 'Connecting…',
  open: 'Live',
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
  const tables = new Map(LIST_NAMES.map((l) => [l, new ListTable(l)] as const));
  byId('lists').append(...[...tables.values()].map((t) => t.section));

  let lastTs: string | undefined;
  const showAge = () => {
    if (lastTs !== undefined) age.textContent = `(${formatAge(Date.now() - Date.parse(lastTs))})`;
  };
  setInterval(showAge, 1000);

  const token = new URLSearchParams(location.search).get('token') ?? undefined;
  const client = new ListClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    lists: ['*'],
    ...(token === undefined ? {} : { token }),
  });
  client.onStatus((s) => {
    status.dataset.status = s;
    statusText.textContent = STATUS_TEXT[s];
    if (s === 'open') banner.hidden = true;
  });
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
  client.onList((list: ListName, rows: readonly ScanRow[], msg: ListMessage) => {
    tables.get(list)!.render(rows);
    if (lastTs === undefined || msg.ts > lastTs) lastTs = msg.ts;
    updated.textContent = formatClock(lastTs);
    updated.dateTime = lastTs;
    showAge();
    const s = rows[0]?.session;
    if (s) session.textContent = sessionTitle(s);
  });
  client.start();
}

main();
