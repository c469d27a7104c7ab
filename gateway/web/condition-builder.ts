import { button, element } from './dom.js';
import {
  emptyCondition,
  issueText,
  opsFor,
  takesList,
  takesValue,
  type ConditionDraft,
  type Issue,
  type Op,
} from './scan-form.js';

/*
 * The scan language's `where` as a form (SPEC §13): groups of conditions, a ticker matching when any group has
 * all its conditions true. Each condition is a field, an operator the field takes, and a value (none for
 * isNull/notNull, a comma-separated list for in/notIn). Used by the scan editor and by the alert window's
 * filter. Typing changes the model in place (no redraw: the caret stays); adding or removing redraws.
 */

const OP_LABELS: Readonly<Record<Op, string>> = {
  '>=': '≥',
  '<=': '≤',
  '>': '>',
  '<': '<',
  '==': '=',
  '!=': '≠',
  in: 'is one of',
  notIn: 'is none of',
  isNull: 'has no value',
  notNull: 'has a value',
};

const MAX_GROUPS = 10;
const MAX_CONDITIONS = 20;

export class ConditionBuilder {
  readonly el = element('div', { className: 'conditions' });
  private groups: ConditionDraft[][] = [];

  /**
   * @param fields the fields offered, in menu order
   * @param allowEmpty whether no group at all is a valid state (a scan that only sorts, an unfiltered stream)
   * @param emptyText what no group means, said where the groups would be
   */
  constructor(
    private readonly fields: readonly string[],
    private readonly allowEmpty: boolean,
    private readonly emptyText: string,
  ) {
    this.set([]);
  }

  get value(): readonly (readonly ConditionDraft[])[] {
    return this.groups;
  }

  set(groups: readonly (readonly ConditionDraft[])[]): void {
    this.groups = groups.map((g) => [...g]);
    if (this.groups.length === 0 && !this.allowEmpty) this.groups.push([this.fresh()]);
    this.draw();
  }

  /** Marks the conditions and groups the gateway's reasons name, with the reason beside each. */
  showIssues(issues: readonly Issue[]): void {
    for (const el of this.el.querySelectorAll('.issue')) el.remove();
    for (const el of this.el.querySelectorAll('.invalid')) el.classList.remove('invalid');
    for (const { place, message } of issues) {
      const target =
        place.at === 'condition'
          ? this.el.querySelector(`[data-group="${place.group}"] [data-index="${place.index}"]`)
          : place.at === 'group'
            ? this.el.querySelector(`[data-group="${place.group}"]`)
            : null;
      if (!target) continue;
      target.classList.add('invalid');
      target.append(element('p', { className: 'issue', text: issueText(message) }));
    }
  }

  private fresh(): ConditionDraft {
    return emptyCondition(this.fields.includes('changePercent') ? 'changePercent' : this.fields[0]);
  }

  private draw(): void {
    const groups = this.groups.map((group, g) => {
      const rows = group.map((c, i) => this.conditionRow(g, i, c));
      const box = element(
        'div',
        { className: 'group' },
        element('div', { className: 'group-title', text: g === 0 ? 'Match when' : 'or when' }),
        ...rows,
      );
      box.dataset.group = String(g);
      if (group.length < MAX_CONDITIONS)
        box.append(
          button(
            '+ and',
            'Add a condition to this group (all must hold)',
            () => {
              group.push(this.fresh());
              this.draw();
            },
            'add-condition',
          ),
        );
      return box;
    });
    const addGroup = button(
      '+ or group',
      'Add a group of conditions (a ticker matches when any group holds)',
      () => {
        this.groups.push([this.fresh()]);
        this.draw();
      },
      'add-group',
    );
    addGroup.disabled = this.groups.length >= MAX_GROUPS;
    const empty =
      this.groups.length === 0 ? [element('p', { className: 'muted', text: this.emptyText })] : [];
    this.el.replaceChildren(...empty, ...groups, addGroup);
  }

  private conditionRow(g: number, i: number, c: ConditionDraft): HTMLElement {
    const group = this.groups[g]!;
    const field = element('select', { className: 'field' });
    field.setAttribute('aria-label', 'Field');
    for (const f of this.fields) field.append(new Option(f, f));
    if (!this.fields.includes(c.field)) field.append(new Option(c.field, c.field));
    field.value = c.field;
    const op = element('select', { className: 'op' });
    op.setAttribute('aria-label', 'Operator');
    const value = element('input', { className: 'value' });
    value.setAttribute('aria-label', 'Value');
    value.value = c.value;
    const fillOps = (current: ConditionDraft) => {
      op.replaceChildren(...opsFor(current.field).map((o) => new Option(OP_LABELS[o], o)));
      op.value = current.op;
      value.hidden = !takesValue(current.op);
      value.placeholder = takesList(current.op) ? 'a, b, c' : 'value';
    };
    fillOps(c);
    const update = (patch: Partial<ConditionDraft>) => {
      const next = { ...group[i]!, ...patch };
      if (!opsFor(next.field).includes(next.op)) next.op = opsFor(next.field)[0]!;
      group[i] = next;
      fillOps(next);
    };
    field.addEventListener('change', () => update({ field: field.value }));
    op.addEventListener('change', () => update({ op: op.value as Op }));
    value.addEventListener('input', () => update({ value: value.value }));
    const remove = button(
      '✕',
      'Remove this condition',
      () => {
        group.splice(i, 1);
        if (group.length === 0) this.groups.splice(g, 1);
        if (this.groups.length === 0 && !this.allowEmpty) this.groups.push([this.fresh()]);
        this.draw();
      },
      'remove-condition',
    );
    const row = element('div', { className: 'condition' }, field, op, value, remove);
    row.dataset.index = String(i);
    return row;
  }
}
