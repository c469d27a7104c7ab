import { isNumericKind, SCAN_FIELDS, type FieldKind } from '../../shared/scan/scan-fields.js';
import { SESSIONS, type Session } from '../../shared/scan/sessions.js';

/*
 * The scan editor's model, pure: what the form holds (a draft, every value as typed) and the scan definition
 * sent to the gateway (SPEC §13, docs/scans.md). The gateway's one schema is the judge: a draft is turned into a
 * definition as faithfully as the typing allows (a value that is not a number is sent as the text typed), and
 * the gateway's reasons (`where[0][1].value: ">=" on price needs a number`) are mapped back to the part of the
 * form they name. The schema itself (zod) stays on the server: in the page it would triple the bundle.
 */

/** SPEC §13's operators, in the order the form offers them (scan-form.test.ts checks them against the schema). */
export const OPS = ['>=', '<=', '>', '<', '==', '!=', 'in', 'notIn', 'isNull', 'notNull'] as const;
export type Op = (typeof OPS)[number];
const CATEGORY_OPS: readonly Op[] = ['==', '!=', 'in', 'notIn', 'isNull', 'notNull'];
const NO_VALUE: ReadonlySet<Op> = new Set<Op>(['isNull', 'notNull']);
const LIST_VALUE: ReadonlySet<Op> = new Set<Op>(['in', 'notIn']);

/** As the gateway's schema says (scanIdSchema): 1 to 64 letters, digits, `-` or `_`. */
export const SCAN_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Ids the page keeps for itself (the editor's preview): a user's scan id never starts with `_`. */
export const PREVIEW_ID = '_preview';
export const DEFAULT_LIMIT = 20;

export interface ConditionDraft {
  readonly field: string;
  readonly op: Op;
  /** As typed; a list for `in`/`notIn` is comma-separated. */
  readonly value: string;
}

export interface ScanDraft {
  readonly id: string;
  readonly name: string;
  /** Groups are ORed, a group's conditions ANDed; no group matches every ticker. */
  readonly where: readonly (readonly ConditionDraft[])[];
  readonly sortField: string;
  readonly sortDir: 'asc' | 'desc';
  readonly sortAbs: boolean;
  readonly limit: string;
  readonly sessions: readonly Session[];
}

/** A condition of the language as sent (a type: handed on as a plain record). */
export type Condition = {
  readonly field: string;
  readonly op: Op;
  readonly value?: Value | readonly Value[];
};
type Value = number | string | boolean;
export type Where = readonly (readonly Condition[])[];

/** A type, not an interface: it is handed on as a plain record (the SDK's defineScan, JSON). */
export type ScanDefinition = {
  readonly id: string;
  readonly name: string;
  readonly where: Where;
  readonly sort: { readonly field: string; readonly dir: 'asc' | 'desc'; readonly abs?: boolean };
  readonly limit: number | string;
  readonly sessions: readonly Session[];
};

/** Every field a scan may name, sorted for a menu, with its kind. */
export const FIELDS: readonly { readonly name: string; readonly kind: FieldKind }[] = [
  ...SCAN_FIELDS.values(),
]
  .map(({ name, kind }) => ({ name, kind }))
  .sort((a, b) => a.name.localeCompare(b.name));

/** The fields a scan sorts on: numbers only. */
export const SORT_FIELDS = FIELDS.filter((f) => isNumericKind(f.kind)).map((f) => f.name);

const kindOf = (field: string): FieldKind | undefined => SCAN_FIELDS.get(field)?.kind;

/** The operators a field takes: order comparisons only on numbers. */
export function opsFor(field: string): readonly Op[] {
  const kind = kindOf(field);
  return kind === undefined || isNumericKind(kind) ? OPS : CATEGORY_OPS;
}

export const takesValue = (op: Op): boolean => !NO_VALUE.has(op);
export const takesList = (op: Op): boolean => LIST_VALUE.has(op);

export const emptyCondition = (field = 'changePercent'): ConditionDraft => ({
  field,
  op: opsFor(field)[0]!,
  value: '',
});

export const emptyDraft = (): ScanDraft => ({
  id: '',
  name: '',
  where: [[emptyCondition()]],
  sortField: 'changePercent',
  sortDir: 'desc',
  sortAbs: false,
  limit: String(DEFAULT_LIMIT),
  sessions: [],
});

/** A scan id from a name: `Small-cap runners` → `small-cap-runners` ('' when nothing usable is left). */
export function idFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // the accents NFKD split off: Über → uber
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

function scalar(kind: FieldKind | undefined, text: string): Value {
  const t = text.trim();
  if (kind === 'flag') return t === 'true' ? true : t === 'false' ? false : t;
  if (kind === 'code') return t;
  // A number as a trader types it: 1,000 is not valid here (the comma separates list items), 2e9 and -3.5 are.
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

function condition(c: ConditionDraft): Condition {
  if (!takesValue(c.op)) return { field: c.field, op: c.op };
  const kind = kindOf(c.field);
  if (!takesList(c.op)) return { field: c.field, op: c.op, value: scalar(kind, c.value) };
  const items = c.value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return { field: c.field, op: c.op, value: items.map((s) => scalar(kind, s)) };
}

/** The `where` of a list of condition groups (empty groups dropped: the form may leave one). */
export const toWhere = (groups: readonly (readonly ConditionDraft[])[]): Where =>
  groups.filter((g) => g.length > 0).map((g) => g.map(condition));

/** The definition the gateway is sent for a draft, under `id`. */
export function toDefinition(d: ScanDraft, id = d.id): ScanDefinition {
  const limit = Number(d.limit.trim());
  return {
    id,
    name: d.name.trim(),
    where: toWhere(d.where),
    sort: { field: d.sortField, dir: d.sortDir, ...(d.sortAbs ? { abs: true } : {}) },
    limit: Number.isInteger(limit) && d.limit.trim() !== '' ? limit : d.limit,
    sessions: SESSIONS.filter((s) => d.sessions.includes(s)),
  };
}

/** A stored value as typed again: scalars as they print, a list comma-separated. */
function text(v: unknown): string {
  const one = (x: unknown) =>
    typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean' ? String(x) : '';
  return Array.isArray(v) ? v.map(one).join(', ') : one(v);
}

/** The form's condition groups for a stored `where` (unknown operators shown as the first one the field takes). */
export const fromWhere = (where: unknown): ConditionDraft[][] =>
  (Array.isArray(where) ? where : []).map((g: unknown) =>
    (Array.isArray(g) ? g : []).map((c: { field?: unknown; op?: unknown; value?: unknown }) => {
      const field = typeof c.field === 'string' ? c.field : 'price';
      const op = opsFor(field).find((o) => o === c.op) ?? opsFor(field)[0]!;
      return { field, op, value: text(c.value) };
    }),
  );

/** The draft of a stored definition (a saved scan, a session scan), to edit it. */
export function fromDefinition(def: Readonly<Record<string, unknown>>): ScanDraft {
  const sort = (def.sort ?? {}) as { field?: unknown; dir?: unknown; abs?: unknown };
  return {
    id: typeof def.id === 'string' ? def.id : '',
    name: typeof def.name === 'string' ? def.name : '',
    where: fromWhere(def.where),
    sortField: typeof sort.field === 'string' ? sort.field : 'changePercent',
    sortDir: sort.dir === 'asc' ? 'asc' : 'desc',
    sortAbs: sort.abs === true,
    limit: typeof def.limit === 'number' ? String(def.limit) : String(DEFAULT_LIMIT),
    sessions: Array.isArray(def.sessions)
      ? SESSIONS.filter((s) => (def.sessions as unknown[]).includes(s))
      : [],
  };
}

/** Where in the form a reason belongs: a condition, a group, or a top-level part (`sort`, `limit`, `id`…). */
export type IssuePlace =
  | { readonly at: 'condition'; readonly group: number; readonly index: number }
  | { readonly at: 'group'; readonly group: number }
  | { readonly at: 'form'; readonly part: string };

export interface Issue {
  readonly place: IssuePlace;
  readonly message: string;
}

/**
 * The gateway's reasons, placed: REST answers a `details` list (`where[0][1].field: unknown field "x"`); the
 * WebSocket one message of reasons joined by `; `, each prefixed `scan.`. A reason naming no place (the token's
 * scan limit) belongs to the whole form.
 */
export function placeIssues(reasons: readonly string[]): Issue[] {
  return reasons
    .flatMap((r) => r.split('; '))
    .filter((r) => r.trim() !== '')
    .map((raw) => {
      const message = raw.replace(/^scan\./, '');
      const cond = /^where\[(\d+)\]\[(\d+)\]/.exec(message);
      if (cond)
        return { place: { at: 'condition', group: Number(cond[1]), index: Number(cond[2]) }, message };
      const group = /^where\[(\d+)\]/.exec(message);
      if (group) return { place: { at: 'group', group: Number(group[1]) }, message };
      const part = /^([a-z]+)[.:[]/i.exec(message)?.[1] ?? 'form';
      return { place: { at: 'form', part }, message };
    });
}

/** The reason's text without its place, as shown beside the part it names (`unknown field "x"`). */
export const issueText = (message: string): string => message.replace(/^[\w.[\]]+:\s*/, '');
