import type { ScanRow } from '../../shared/protocol/messages.js';
import { DEFAULT_COLUMNS } from './columns.js';
import { ApiError } from './connection.js';
import { button, element } from './dom.js';
import type { PanelConfig } from './layout-store.js';
import { Panel } from './panel.js';
import { ScanFormView } from './scan-form-view.js';
import {
  emptyDraft,
  fromDefinition,
  placeIssues,
  PREVIEW_ID,
  SCAN_ID,
  toDefinition,
  type ScanDefinition,
  type ScanDraft,
} from './scan-form.js';
import {
  deleteSavedScan,
  listSavedScans,
  loadSessionScans,
  saveScan,
  storeSessionScans,
  type KnownScan,
} from './scan-store.js';

/*
 * The scan editor (issue #12 item 3), a drawer: the token's saved scans and the session's, each opened as a panel,
 * edited or deleted; and a form that builds a scan in the SPEC §13 language. "Preview" defines the draft on the
 * WebSocket under the page's own id and shows its matches filling a table below the form; "Open for this
 * session" defines it under its id and adds its panel; "Save and open" PUTs it to /api/scans. Whatever the
 * gateway refuses comes back with the place it names (a condition, the sort, the limit) and is shown there.
 */

export interface ScanEditorHost {
  /** Defines (or replaces) a scan on the connection (the SDK's defineScan: defined again after reconnects). */
  readonly define: (id: string, scan: ScanDefinition | Readonly<Record<string, unknown>>) => void;
  readonly undefine: (id: string) => void;
  readonly watch: (list: string) => void;
  readonly unwatch: (list: string) => void;
  /** Adds a panel of `list` to the grid unless one is there. */
  readonly openPanel: (list: string) => void;
  readonly closePanels: (list: string) => void;
  readonly rowsOf: (list: string) => readonly ScanRow[] | undefined;
  readonly onOpen: (symbol: string) => void;
  /** The scans the page knows changed (their names title the panels); `savedRead`: the saved ones are in. */
  readonly known: (scans: readonly KnownScan[], savedRead: boolean) => void;
  readonly session: Storage;
}

/** How long after a define a refusal from the gateway is taken as its answer (the gateway answers in order, at once). */
const CLAIM_MS = 10_000;
const PREVIEW_LIST = `scan:${PREVIEW_ID}`;
const NO_SCAN = /^no scan "(.*)" on this connection$/;

export class ScanEditor {
  private saved: KnownScan[] = [];
  private sessionScans: KnownScan[];
  private savedNote = '';
  private savedRead = false;
  /** The id being edited (locked), or undefined for a new scan. */
  private editing: KnownScan | undefined;
  /** The define the gateway has not refused (yet): its refusal is shown in the form. */
  private pending: { readonly id: string; readonly session: boolean; readonly at: number } | undefined;
  /** Ids this page removed after a refusal: the gateway's "no scan" answer to that is expected. */
  private readonly dropped = new Set<string>();
  /** …and its answer to the subscribe that followed the refused define. */
  private readonly droppedLists = new Set<string>();
  private readonly list = element('ul', { className: 'scan-list' });
  private readonly form: ScanFormView;
  private readonly deleteButton: HTMLButtonElement;
  private readonly previewBox = element('div', { className: 'preview' });
  private preview: Panel | undefined;

  constructor(
    private readonly el: HTMLElement,
    private readonly host: ScanEditorHost,
  ) {
    this.sessionScans = loadSessionScans(host.session);
    this.deleteButton = button('Delete', 'Delete this saved scan', () => void this.deleteEditing(), 'danger');
    this.form = new ScanFormView(
      element(
        'div',
        { className: 'form-buttons' },
        button('Preview', 'Show what the scan matches now, below', () => this.runPreview(), 'preview-scan'),
        button(
          'Open for this session',
          'Add its panel; kept until this tab closes',
          () => this.keepForSession(),
          'session-scan',
        ),
        button(
          'Save and open',
          'Save it for your token and add its panel',
          () => void this.save(),
          'save-scan primary',
        ),
        this.deleteButton,
      ),
    );
    el.replaceChildren(
      element(
        'header',
        {},
        element('h2', { text: 'Scans' }),
        button('✕', 'Close the scans (Escape)', () => this.close(), 'close'),
      ),
      element(
        'section',
        {},
        element('h3', { text: 'My scans' }),
        this.list,
        button('+ New scan', 'Start a new scan', () => this.edit(undefined), 'new-scan'),
      ),
      this.form.el,
      this.previewBox,
    );
    el.setAttribute('role', 'dialog');
    el.setAttribute('aria-label', 'Scans');
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !el.hidden) this.close();
    });
    this.edit(undefined);
    this.announce();
  }

  /** The session's scans, to define on the connection when the page starts. */
  get sessionDefinitions(): readonly KnownScan[] {
    return this.sessionScans;
  }

  open(): void {
    this.el.hidden = false;
    this.drawList();
    void this.refreshSaved();
    this.form.focus();
  }

  close(): void {
    this.el.hidden = true;
    this.stopPreview();
  }

  /** Reads the token's saved scans again (the list, and the titles of their panels). */
  async refreshSaved(): Promise<void> {
    try {
      this.saved = await listSavedScans();
      this.savedNote = '';
      this.savedRead = true;
    } catch (e) {
      this.savedNote = `Saved scans unavailable: ${e instanceof ApiError ? e.reason : String(e)}`;
    }
    this.announce();
    this.drawList();
  }

  /** The preview's rows (the grid gets the panels' own). */
  render(list: string, rows: readonly ScanRow[], ts: string): void {
    if (list !== PREVIEW_LIST || !this.preview) return;
    this.preview.render(rows);
    this.preview.setTs(ts);
  }

  /**
   * Takes the gateway's refusal of this editor's last define (true: shown in the form, not in the page's banner),
   * and its "no scan" answer to the removal of a refused definition.
   */
  claimError(code: string, message: string): boolean {
    const noScan = NO_SCAN.exec(message);
    if (code === 'bad_request' && noScan && this.dropped.delete(noScan[1]!)) return true;
    // The subscribe that followed a refused define names a scan that does not exist: expected too.
    if (code === 'unknown_list') {
      const ids = [...this.droppedLists].filter((id) => message.includes(JSON.stringify(`scan:${id}`)));
      for (const id of ids) this.droppedLists.delete(id);
      return ids.length > 0;
    }
    const p = this.pending;
    if (code !== 'bad_request' || !p || Date.now() - p.at > CLAIM_MS) return false;
    if (!message.startsWith('scan') && !/SCANS_/.test(message)) return false;
    this.pending = undefined;
    // The SDK would define the refused scan again at every reconnection: forget it.
    this.dropped.add(p.id);
    this.droppedLists.add(p.id);
    this.host.undefine(p.id);
    if (p.session) {
      this.sessionScans = this.sessionScans.filter((s) => s.id !== p.id);
      storeSessionScans(this.host.session, this.sessionScans);
      this.host.closePanels(`scan:${p.id}`);
      this.announce();
      this.drawList();
    } else this.stopPreview();
    this.form.showIssues(placeIssues([message]));
    return true;
  }

  /** Fills the form with `scan` (or a blank one). */
  edit(scan: KnownScan | undefined): void {
    this.editing = scan;
    const d: ScanDraft = scan ? fromDefinition(scan.definition) : emptyDraft();
    this.form.fill(d, scan ? `Edit ${scan.name || scan.id}` : 'New scan', scan !== undefined);
    this.deleteButton.hidden = !scan?.saved;
  }

  private announce(): void {
    this.host.known(this.all(), this.savedRead);
  }

  private all(): KnownScan[] {
    const saved = new Set(this.saved.map((s) => s.id));
    return [...this.saved, ...this.sessionScans.filter((s) => !saved.has(s.id))];
  }

  /** The draft's definition under its own id, or null (and the reason shown) when the id cannot be one. */
  private definition(): ScanDefinition | null {
    const d = this.form.read();
    if (d.id === '') this.form.showIssues(placeIssues(['id: give the scan a name (or an id)']));
    else if (!SCAN_ID.test(d.id) || d.id.startsWith('_'))
      this.form.showIssues(placeIssues(['id: 1 to 64 letters, digits, "-" or "_", not starting with "_"']));
    else return toDefinition(d);
    return null;
  }

  private runPreview(): void {
    this.form.showIssues([]);
    this.pending = { id: PREVIEW_ID, session: false, at: Date.now() };
    this.host.define(PREVIEW_ID, toDefinition(this.form.read(), PREVIEW_ID));
    if (!this.preview) {
      const config: PanelConfig = {
        id: 'preview',
        list: PREVIEW_LIST,
        rows: 20,
        columns: DEFAULT_COLUMNS,
        sort: null,
      };
      const panel: Panel = new Panel(config, {
        onConfig: (patch) => panel.configure({ ...config, ...patch }),
        onMove: () => {},
        onRemove: () => this.stopPreview(),
        onOpen: this.host.onOpen,
      });
      panel.setSource('live');
      panel.setTitle('Preview');
      this.preview = panel;
      this.previewBox.replaceChildren(element('h3', { text: 'Preview: what it matches now' }), panel.section);
      this.host.watch(PREVIEW_LIST);
    }
  }

  private stopPreview(): void {
    if (!this.preview) return;
    this.preview = undefined;
    this.previewBox.replaceChildren();
    this.host.unwatch(PREVIEW_LIST);
    this.host.undefine(PREVIEW_ID);
    if (this.pending?.id === PREVIEW_ID) this.pending = undefined;
  }

  private keepForSession(): void {
    const def = this.definition();
    if (!def) return;
    this.form.showIssues([]);
    const scan: KnownScan = { id: def.id, name: def.name, definition: def, saved: false };
    this.sessionScans = [...this.sessionScans.filter((s) => s.id !== def.id), scan];
    storeSessionScans(this.host.session, this.sessionScans);
    this.pending = { id: def.id, session: true, at: Date.now() };
    this.host.define(def.id, def);
    this.announce();
    this.host.openPanel(`scan:${def.id}`);
    this.drawList();
  }

  private async save(): Promise<void> {
    const def = this.definition();
    if (!def) return;
    this.form.showIssues([]);
    try {
      const scan = await saveScan(def);
      this.saved = [...this.saved.filter((s) => s.id !== scan.id), scan];
    } catch (e) {
      const reasons = e instanceof ApiError ? (e.details.length > 0 ? e.details : [e.reason]) : [String(e)];
      this.form.showIssues(placeIssues(reasons));
      return;
    }
    // A session scan of that id would hide the saved one on this connection.
    if (this.sessionScans.some((s) => s.id === def.id)) {
      this.sessionScans = this.sessionScans.filter((s) => s.id !== def.id);
      storeSessionScans(this.host.session, this.sessionScans);
      this.host.undefine(def.id);
    }
    this.announce();
    this.host.openPanel(`scan:${def.id}`);
    this.edit(this.saved.find((s) => s.id === def.id));
    this.drawList();
  }

  private async remove(scan: KnownScan): Promise<void> {
    if (scan.saved) {
      try {
        await deleteSavedScan(scan.id);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) {
          this.form.showIssues(placeIssues([`Not deleted: ${e instanceof ApiError ? e.reason : String(e)}`]));
          return;
        }
      }
      this.saved = this.saved.filter((s) => s.id !== scan.id);
    } else {
      this.sessionScans = this.sessionScans.filter((s) => s.id !== scan.id);
      storeSessionScans(this.host.session, this.sessionScans);
      this.host.undefine(scan.id);
    }
    this.host.closePanels(`scan:${scan.id}`);
    if (this.editing?.id === scan.id) this.edit(undefined);
    this.announce();
    this.drawList();
  }

  private async deleteEditing(): Promise<void> {
    if (this.editing) await this.remove(this.editing);
  }

  private drawList(): void {
    const scans = this.all();
    const items = scans.map((s) => {
      const li = element(
        'li',
        {},
        element('b', { text: s.name || s.id }),
        element('span', { className: 'muted', text: ` ${s.id}` }),
        element('span', {
          className: `kind ${s.saved ? 'saved' : 'session'}`,
          text: s.saved ? 'saved' : 'this session',
        }),
        element('span', { className: 'spacer' }),
        button('Open', `Add a panel of ${s.id}`, () => this.host.openPanel(`scan:${s.id}`), 'open-scan'),
        button('Edit', `Edit ${s.id}`, () => this.edit(s), 'edit-scan'),
        button('Delete', `Delete ${s.id}`, () => void this.remove(s), 'delete-scan'),
      );
      li.dataset.scan = s.id;
      return li;
    });
    if (items.length === 0)
      items.push(element('li', { className: 'muted', text: 'No scans yet: build one below.' }));
    if (this.savedNote) items.push(element('li', { className: 'muted', text: this.savedNote }));
    this.list.replaceChildren(...items);
  }
}
