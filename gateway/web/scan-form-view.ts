import { SESSIONS, type Session } from '../../shared/scan/sessions.js';
import { ConditionBuilder } from './condition-builder.js';
import { element, setText } from './dom.js';
import { sessionTitle } from './format.js';
import { FIELDS, idFromName, SORT_FIELDS, type Issue, type ScanDraft } from './scan-form.js';

/*
 * The scan editor's form (scan-editor.ts has what its buttons do): name and id, the conditions, the sort, the
 * rows and the sessions, and the gateway's reasons shown where they belong. It holds no scan: `read` gives the
 * draft as typed, `fill` shows one.
 */

export class ScanFormView {
  readonly el: HTMLElement;
  private readonly heading = element('h3', { text: 'New scan' });
  private readonly name = element('input', { className: 'scan-name' });
  private readonly id = element('input', { className: 'scan-id' });
  private readonly where = new ConditionBuilder(
    FIELDS.map((f) => f.name),
    true,
    'No condition: every ticker that passes the global filters, by the sort below.',
  );
  private readonly sortField = element('select', { className: 'sort-field' });
  private readonly sortDir = element('select', { className: 'sort-dir' });
  private readonly sortAbs = element('input');
  private readonly limit = element('input', { className: 'scan-limit' });
  private readonly sessions = new Map<Session, HTMLInputElement>();
  private readonly issues = element('div', { className: 'form-issues' });
  private locked = false;

  /** @param buttons the form's actions, under it */
  constructor(buttons: HTMLElement) {
    this.issues.setAttribute('role', 'alert');
    this.name.placeholder = 'e.g. Small-cap runners';
    this.name.maxLength = 200;
    this.id.maxLength = 64;
    this.name.addEventListener('input', () => {
      if (!this.locked) this.id.placeholder = idFromName(this.name.value) || 'from the name';
    });
    for (const f of SORT_FIELDS) this.sortField.append(new Option(f, f));
    this.sortDir.append(new Option('highest first', 'desc'), new Option('lowest first', 'asc'));
    this.sortAbs.type = 'checkbox';
    this.limit.type = 'number';
    this.limit.min = '1';
    this.limit.max = '100';
    const sessionBoxes = SESSIONS.map((s) => {
      const box = element('input');
      box.type = 'checkbox';
      box.value = s;
      this.sessions.set(s, box);
      return element('label', {}, box, ` ${sessionTitle(s)}`);
    });
    const field = (label: string, ...control: Node[]) =>
      element('label', { className: 'form-row' }, label, ...control);
    this.el = element(
      'div',
      { className: 'scan-form' },
      this.heading,
      field('Name ', this.name),
      field('Id ', this.id),
      this.where.el,
      element(
        'div',
        { className: 'form-row' },
        'Sort by ',
        this.sortField,
        this.sortDir,
        element('label', { title: 'Sort by the size of the value, either sign' }, this.sortAbs, ' by size'),
      ),
      element('div', { className: 'form-row' }, field('Rows ', this.limit), ' Sessions ', ...sessionBoxes),
      element('p', { className: 'muted', text: 'No session ticked: every session.' }),
      this.issues,
      buttons,
    );
  }

  focus(): void {
    this.name.focus();
  }

  /** The draft as typed; the id, when left empty, made from the name. */
  read(): ScanDraft {
    return {
      id: this.id.value.trim() || idFromName(this.name.value),
      name: this.name.value,
      where: this.where.value,
      sortField: this.sortField.value,
      sortDir: this.sortDir.value === 'asc' ? 'asc' : 'desc',
      sortAbs: this.sortAbs.checked,
      limit: this.limit.value,
      sessions: SESSIONS.filter((s) => this.sessions.get(s)!.checked),
    };
  }

  /** Shows `d` under `heading`; `locked`: an existing scan, whose id cannot change. */
  fill(d: ScanDraft, heading: string, locked: boolean): void {
    this.locked = locked;
    setText(this.heading, heading);
    this.name.value = d.name;
    this.id.value = d.id;
    this.id.disabled = locked;
    this.id.placeholder = 'from the name';
    this.where.set(d.where);
    this.sortField.value = d.sortField;
    this.sortDir.value = d.sortDir;
    this.sortAbs.checked = d.sortAbs;
    this.limit.value = d.limit;
    for (const [s, box] of this.sessions) box.checked = d.sessions.includes(s);
    this.showIssues([]);
  }

  /** The gateway's reasons: on the conditions they name, the others under the form. */
  showIssues(issues: readonly Issue[]): void {
    this.where.showIssues(issues);
    const general = issues.filter((i) => i.place.at === 'form');
    this.issues.replaceChildren(...general.map((i) => element('p', { className: 'issue', text: i.message })));
    this.issues.hidden = general.length === 0;
  }
}
