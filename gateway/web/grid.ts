import type { ScanRow, SourceState } from '../../shared/protocol/messages.js';
import { LIST_NAMES } from '../../shared/scan/lists.js';
import { AlertPanel } from './alert-panel.js';
import type { AlertSound } from './alert-sound.js';
import type { AlertStore } from './alert-store.js';
import { element } from './dom.js';
import { listTitle } from './format.js';
import {
  addPanel,
  ALERTS_PANEL,
  loadLayout,
  movePanel,
  removeList,
  removePanel,
  saveLayout,
  setDensity,
  updatePanel,
  type Density,
  type Layout,
} from './layout-store.js';
import { Panel } from './panel.js';
import type { Where } from './scan-form.js';

/*
 * The grid of panels: built from the stored layout, changed only through layout-store's pure functions and
 * saved after each change. List data is routed by list name, so a panel of a list that has not arrived yet
 * (or of a `scan:<id>` list defined later) waits for it, and a panel added later starts from the rows the
 * page already holds. The alert window is a panel of its own kind (alert-panel.ts), fed by the page's one alert
 * store. `onLists` tells the page which lists the panels need, so it subscribes to the scans and the alerts.
 */

export interface GridOptions {
  readonly main: HTMLElement;
  readonly storage: Storage;
  /** The rows the page holds for a list (a new panel starts from them), or undefined before any came. */
  readonly rowsOf: (list: string) => readonly ScanRow[] | undefined;
  readonly onOpen: (symbol: string) => void;
  /** The lists of the panels, after every change of the layout. */
  readonly onLists: (lists: readonly string[]) => void;
  readonly alerts: {
    readonly store: AlertStore;
    readonly sound: AlertSound;
    /** The alert window's filter changed: the subscription's `where`. */
    readonly onWhere: (where: Where) => void;
  };
}

type AnyPanel = Panel | AlertPanel;

export class PanelGrid {
  private layout: Layout;
  private readonly panels = new Map<string, AnyPanel>();
  private source: SourceState | undefined;
  private scans: readonly { readonly list: string; readonly title: string }[] = [];
  /** Why a list cannot come (a scan nobody defines), per list. */
  private readonly missing = new Map<string, string>();

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

  /** The lists a panel can be added for: the alert window, the built-in lists, the scans the page knows. */
  addableLists(): readonly { readonly list: string; readonly title: string }[] {
    return [
      { list: ALERTS_PANEL, title: 'Alerts' },
      ...LIST_NAMES.map((list) => ({ list, title: listTitle(list) })),
      ...this.scans,
    ];
  }

  /** The distinct lists of the panels. */
  lists(): string[] {
    return [...new Set(this.layout.panels.map((p) => p.list))];
  }

  get alertPanel(): AlertPanel | undefined {
    for (const p of this.panels.values()) if (p instanceof AlertPanel) return p;
    return undefined;
  }

  add(list: string): void {
    this.missing.delete(list);
    this.change(addPanel(this.layout, list));
  }

  /** Adds a panel of `list` unless one is there. */
  ensure(list: string): void {
    if (!this.layout.panels.some((p) => p.list === list)) this.add(list);
  }

  /** Removes every panel of `list`. */
  removeList(list: string): void {
    this.change(removeList(this.layout, list));
  }

  /** The scans the page knows: their names title their panels, and they can be added from the menu. */
  setScans(scans: readonly { readonly id: string; readonly name: string }[]): void {
    this.scans = scans.map((s) => ({ list: `scan:${s.id}`, title: s.name || s.id }));
    for (const p of this.panels.values()) {
      if (!(p instanceof Panel)) continue;
      const scan = this.scans.find((s) => s.list === p.list);
      p.setTitle(scan ? `Scan: ${scan.title}` : listTitle(p.list));
    }
  }

  /** `list` cannot come (a scan neither defined nor saved): its panels say why. */
  setMissing(list: string, reason: string): void {
    this.missing.set(list, reason);
    for (const p of this.panels.values()) if (p instanceof Panel && p.list === list) p.unavailable(reason);
  }

  setDensity(density: Density): void {
    this.change(setDensity(this.layout, density));
  }

  /** A list's rows changed: every panel of that list redraws. */
  render(list: string, rows: readonly ScanRow[], ts: string): void {
    this.missing.delete(list);
    for (const p of this.panels.values()) {
      if (p.list !== list || !(p instanceof Panel)) continue;
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
    this.o.onLists(this.lists());
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
        const events = {
          onConfig: (patch: Parameters<typeof updatePanel>[2]) =>
            this.change(updatePanel(this.layout, config.id, patch)),
          onMove: (by: number) => this.change(movePanel(this.layout, config.id, by)),
          onRemove: () => this.change(removePanel(this.layout, config.id)),
          onOpen: this.o.onOpen,
        };
        if (config.list === ALERTS_PANEL) {
          const { store, sound, onWhere } = this.o.alerts;
          panel = new AlertPanel(config, { ...events, onWhere }, store, sound);
        } else {
          const p = new Panel(config, events);
          const scan = this.scans.find((s) => s.list === config.list);
          if (scan) p.setTitle(`Scan: ${scan.title}`);
          const rows = this.o.rowsOf(config.list);
          const missing = this.missing.get(config.list);
          if (rows) p.render(rows);
          else if (missing) p.unavailable(missing);
          panel = p;
        }
        this.panels.set(config.id, panel);
        panel.setSource(this.source);
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
