import type { ScanRow, SourceState } from '../../shared/protocol/messages.js';
import { COLUMN_KEYS, COLUMNS, type Column, type ColumnKey } from './columns.js';
import { button, element, restartClass, setText } from './dom.js';
import { formatClock, listTitle, MISSING } from './format.js';
import { ROW_CHOICES, type PanelConfig, type PanelPatch } from './layout-store.js';
import { nextSort, sortRows } from './sort.js';

/*
 * One panel of the grid: one list (any name: a built-in list, later `scan:<id>`), its rows sorted client-side
 * and cut to the rows shown, the columns chosen, and its own tools (rows shown, column chooser, move, remove).
 * The panel never changes its configuration itself: it asks (onConfig, onMove, onRemove) and the grid saves
 * the layout and hands the new configuration back.
 *
 * Rows are keyed by symbol and their <tr> reused, so a symbol that moves keeps its element: the highlight of a
 * row just added (blue) or moved up (green) survives the next update instead of restarting. A cell whose number
 * changed flashes green or red for a moment.
 */

export interface PanelEvents {
  readonly onConfig: (patch: PanelPatch) => void;
  readonly onMove: (by: number) => void;
  readonly onRemove: () => void;
  readonly onOpen: (symbol: string) => void;
}

const ROW_FLASHES = ['flash-new', 'flash-up'] as const;
const TICKS = ['tick-up', 'tick-down'] as const;
const SOURCE_BADGES: Readonly<Record<SourceState, string>> = {
  live: '',
  stale: 'stale',
  closed: 'closed',
  down: 'scanner down',
};

interface RowView {
  readonly tr: HTMLTableRowElement;
  readonly cells: HTMLTableCellElement[];
  /** The values last shown, per cell: a changed number flashes. */
  readonly values: (string | number | null)[];
}

export class Panel {
  readonly section = element('section', { className: 'panel' });
  private readonly count = element('span', { className: 'count', text: MISSING });
  private readonly titleText = element('span');
  private readonly badge = element('span', { className: 'badge' });
  private readonly head = element('tr');
  private readonly body = element('tbody');
  private readonly empty = element('tr', { className: 'empty-row' });
  private readonly chooser = element('details', { className: 'chooser' });
  private readonly rowsSelect = element('select', { className: 'rows-shown' });
  private readonly views = new Map<string, RowView>();
  /** The server rank of every symbol of the list at the last message (all rows, not only those shown). */
  private ranks: Map<string, number> | undefined;
  private rows: readonly ScanRow[] = [];
  private columns: readonly Column[] = [];

  constructor(
    private config: PanelConfig,
    private readonly events: PanelEvents,
  ) {
    this.section.dataset.list = config.list;
    this.section.dataset.panel = config.id;
    setText(this.titleText, listTitle(config.list));
    const title = element('h2', { title: config.list }, this.titleText, this.count);
    for (const n of ROW_CHOICES) this.rowsSelect.append(new Option(`${n} rows`, String(n)));
    this.rowsSelect.setAttribute('aria-label', 'Rows shown');
    this.rowsSelect.addEventListener('change', () =>
      events.onConfig({ rows: Number(this.rowsSelect.value) }),
    );
    const tools = element(
      'div',
      { className: 'tools' },
      this.rowsSelect,
      this.chooser,
      button('◀', 'Move this panel earlier', () => events.onMove(-1)),
      button('▶', 'Move this panel later', () => events.onMove(1)),
      button('✕', 'Remove this panel', () => events.onRemove(), 'remove'),
    );
    const header = element('header', {}, title, this.badge, tools);
    const emptyCell = element('td', { className: 'empty', text: 'Waiting for the first scan…' });
    this.empty.append(emptyCell);
    this.body.append(this.empty);
    const table = element('table', {}, element('thead', {}, this.head), this.body);
    this.section.append(header, element('div', { className: 'table-wrap' }, table));
    this.configure(config);
  }

  get id(): string {
    return this.config.id;
  }

  get list(): string {
    return this.config.list;
  }

  /** Applies a new configuration (after the grid saved it): columns, sort and rows shown. */
  configure(config: PanelConfig): void {
    const columnsChanged = config.columns.join() !== this.columns.map((c) => c.key).join();
    this.config = config;
    this.rowsSelect.value = String(config.rows);
    if (columnsChanged) {
      this.columns = config.columns.flatMap((k) => COLUMNS.get(k) ?? []);
      // Every row is rebuilt with the new cells; nothing in it is news.
      for (const v of this.views.values()) v.tr.remove();
      this.views.clear();
      (this.empty.firstChild as HTMLTableCellElement).colSpan = this.columns.length;
      this.buildChooser();
    }
    this.buildHead();
    if (this.ranks) this.draw(false);
  }

  /** The list's rows in server order (rank = index + 1). */
  render(rows: readonly ScanRow[]): void {
    const first = this.ranks === undefined;
    const before = this.ranks ?? new Map<string, number>();
    this.rows = rows;
    this.ranks = new Map(rows.map((r) => [r.symbol, r.rank]));
    setText(this.count, String(rows.length));
    setText(this.empty.firstChild as HTMLElement, 'No symbols');
    const shown = this.draw(!first);
    // The first snapshot fills the table: nothing in it is news.
    if (first) return;
    for (const row of shown) {
      const tr = this.views.get(row.symbol)!.tr;
      const was = before.get(row.symbol);
      if (was === undefined) restartClass(tr, 'flash-new', ROW_FLASHES);
      else if (row.rank < was) restartClass(tr, 'flash-up', ROW_FLASHES);
    }
  }

  /** A title other than the list's name (a scan's own name). */
  setTitle(title: string): void {
    setText(this.titleText, title);
  }

  /** The list cannot come (a scan neither defined nor saved): said where the rows would be. */
  unavailable(reason: string): void {
    this.ranks = undefined;
    this.rows = [];
    this.draw(false);
    setText(this.count, MISSING);
    setText(this.empty.firstChild as HTMLElement, reason);
  }

  /** The freshness of what the panel shows: anything but live dims the rows and says why. */
  setSource(source: SourceState | undefined): void {
    const value = source ?? 'unknown';
    if (this.section.dataset.source === value) return;
    this.section.dataset.source = value;
    setText(this.badge, source ? SOURCE_BADGES[source] : 'offline');
  }

  /** When the list was last computed (its message's ts), as the badge's tooltip. */
  setTs(ts: string): void {
    this.badge.title = `Computed at ${formatClock(ts)}`;
  }

  private draw(flashCells: boolean): readonly ScanRow[] {
    const shown = sortRows(this.rows, this.config.sort).slice(0, this.config.rows);
    const seen = new Set<string>();
    shown.forEach((row, i) => {
      seen.add(row.symbol);
      let view = this.views.get(row.symbol);
      const isNew = !view;
      if (!view) this.views.set(row.symbol, (view = this.create(row.symbol)));
      this.fill(view, row, flashCells && !isNew);
      const at = this.body.children[i];
      if (at !== view.tr) this.body.insertBefore(view.tr, at ?? null);
    });
    for (const [symbol, view] of this.views) {
      if (seen.has(symbol)) continue;
      view.tr.remove();
      this.views.delete(symbol);
    }
    if (shown.length === 0) this.body.append(this.empty);
    else this.empty.remove();
    return shown;
  }

  private create(symbol: string): RowView {
    const tr = element('tr');
    tr.dataset.symbol = symbol;
    tr.addEventListener('animationend', (e) => {
      if (e.target === tr) tr.classList.remove(...ROW_FLASHES);
      else (e.target as HTMLElement).classList.remove(...TICKS);
    });
    tr.addEventListener('click', () => this.events.onOpen(symbol));
    const cells = this.columns.map((c) => element('td', { className: c.kind }));
    tr.append(...cells);
    return { tr, cells, values: this.columns.map(() => null) };
  }

  private fill(view: RowView, row: ScanRow, flashCells: boolean): void {
    this.columns.forEach((c, i) => {
      const td = view.cells[i]!;
      setText(td, c.text(row));
      const value = c.value(row);
      const was = view.values[i];
      if (flashCells && c.kind === 'num' && typeof value === 'number' && typeof was === 'number') {
        if (value > was) restartClass(td, 'tick-up', TICKS);
        else if (value < was) restartClass(td, 'tick-down', TICKS);
      }
      view.values[i] = value;
      const tone = c.tone?.(row);
      td.classList.toggle('up', tone === 'up');
      td.classList.toggle('down', tone === 'down');
      td.classList.toggle('pending', c.pending?.(row) ?? false);
      const title = c.cellTitle?.(row) ?? '';
      if (td.title !== title) td.title = title;
    });
  }

  private buildHead(): void {
    const sort = this.config.sort;
    this.head.replaceChildren(
      ...this.columns.map((c) => {
        const th = element('th', { className: c.kind, text: c.label, title: `${c.title} — click to sort` });
        th.dataset.key = c.key;
        th.tabIndex = 0;
        const dir = sort?.key === c.key ? sort.dir : undefined;
        th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none');
        const toggle = () => this.events.onConfig({ sort: nextSort(sort, c.key) });
        th.addEventListener('click', toggle);
        th.addEventListener('keydown', (e) => {
          if (e.key !== 'Enter' && e.key !== ' ') return;
          e.preventDefault();
          toggle();
        });
        return th;
      }),
    );
  }

  private buildChooser(): void {
    const shown = new Set(this.config.columns);
    const summary = element('summary', { text: 'Columns', title: 'Choose the columns of this panel' });
    const boxes = COLUMN_KEYS.map((key: ColumnKey) => {
      const column = COLUMNS.get(key)!;
      const box = element('input');
      box.type = 'checkbox';
      box.value = key;
      box.checked = shown.has(key);
      box.addEventListener('change', () => {
        const next = new Set(this.config.columns);
        if (box.checked) next.add(key);
        else next.delete(key);
        // A panel keeps at least its symbols.
        if (next.size === 0) next.add('symbol');
        this.events.onConfig({ columns: [...next] });
      });
      return element('label', { title: column.title }, box, ` ${column.label}`);
    });
    this.chooser.replaceChildren(summary, element('div', { className: 'chooser-list' }, ...boxes));
  }
}
