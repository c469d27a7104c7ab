import type { ScanRow, SourceState } from '../../shared/protocol/messages.js';
import { LIST_NAMES } from '../../shared/scan/lists.js';
import { element } from './dom.js';
import { listTitle } from './format.js';
import {
  addPanel,
  loadLayout,
  movePanel,
  removePanel,
  saveLayout,
  setDensity,
  updatePanel,
  type Density,
  type Layout,
} from './layout-store.js';
import { Panel } from './panel.js';

/*
 * The grid of panels: built from the stored layout, changed only through layout-store's pure functions and
 * saved after each change. List data is routed by list name, so a panel of a list that has not arrived yet
 * (or of a `scan:<id>` list defined later) waits for it, and a panel added later starts from the rows the
 * page already holds.
 */

export interface GridOptions {
  readonly main: HTMLElement;
  readonly storage: Storage;
  /** The rows the page holds for a list (a new panel starts from them), or undefined before any came. */
  readonly rowsOf: (list: string) => readonly ScanRow[] | undefined;
  readonly onOpen: (symbol: string) => void;
}

export class PanelGrid {
  private layout: Layout;
  private readonly panels = new Map<string, Panel>();
  private source: SourceState | undefined;

  constructor(private readonly o: GridOptions) {
    this.layout = loadLayout(o.storage);
    this.sync();
    // An open column chooser closes on a click elsewhere or Escape, as a menu does.
    const closeChoosers = (except?: EventTarget | null) => {
      for (const d of o.main.querySelectorAll<HTMLDetailsElement>('details.chooser[open]')) {
        if (!(except instanceof Node && d.contains(except))) d.open = false;
      }
    };
    document.addEventListener('click', (e) => closeChoosers(e.target));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') closeChoosers();
    });
  }

  get density(): Density {
    return this.layout.density;
  }

  /** The lists a panel can be added for: the built-in lists (scans and alerts will join here). */
  addableLists(): readonly { readonly list: string; readonly title: string }[] {
    return LIST_NAMES.map((list) => ({ list, title: listTitle(list) }));
  }

  add(list: string): void {
    this.change(addPanel(this.layout, list));
  }

  setDensity(density: Density): void {
    this.change(setDensity(this.layout, density));
  }

  /** A list's rows changed: every panel of that list redraws. */
  render(list: string, rows: readonly ScanRow[], ts: string): void {
    for (const p of this.panels.values()) {
      if (p.list !== list) continue;
      p.render(rows);
      p.setTs(ts);
    }
  }

  setSource(source: SourceState | undefined): void {
    this.source = source;
    for (const p of this.panels.values()) p.setSource(source);
  }

  private change(next: Layout): void {
    if (next === this.layout) return;
    this.layout = next;
    saveLayout(this.o.storage, next);
    this.sync();
  }

  /** Makes the DOM match the layout: panels created, configured, removed and put in order. */
  private sync(): void {
    document.body.dataset.density = this.layout.density;
    const wanted = new Set(this.layout.panels.map((p) => p.id));
    for (const [id, panel] of this.panels) {
      if (wanted.has(id)) continue;
      panel.section.remove();
      this.panels.delete(id);
    }
    this.layout.panels.forEach((config, i) => {
      let panel = this.panels.get(config.id);
      if (panel) panel.configure(config);
      else {
        panel = new Panel(config, {
          onConfig: (patch) => this.change(updatePanel(this.layout, config.id, patch)),
          onMove: (by) => this.change(movePanel(this.layout, config.id, by)),
          onRemove: () => this.change(removePanel(this.layout, config.id)),
          onOpen: this.o.onOpen,
        });
        this.panels.set(config.id, panel);
        panel.setSource(this.source);
        const rows = this.o.rowsOf(config.list);
        if (rows) panel.render(rows);
      }
      const at = this.o.main.children[i];
      if (at !== panel.section) this.o.main.insertBefore(panel.section, at ?? null);
    });
    if (this.layout.panels.length === 0) {
      this.o.main.replaceChildren(
        element('p', { className: 'no-panels', text: 'No panels: add a list with “+ Panel” above.' }),
      );
    } else this.o.main.querySelector('.no-panels')?.remove();
  }
}
