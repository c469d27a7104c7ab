import { z } from 'zod';
import { isNumericKind, SCAN_FIELDS, type FieldKind } from './scan-fields.js';
import { SESSIONS } from './sessions.js';

/**
 * A user-defined scan (SPEC §13): `{id, name, where, sort, limit, sessions}`. This one schema validates a scan
 * at every entry point (the WebSocket `scan` op, `/api/scans`, replay's `--scans` file), so a scan that cannot
 * be valid — an unknown field, an operator the field does not take, a value of the wrong type, min above max on
 * one field — is refused whole with the reason and where it is (`where[1][0].field: unknown field "chnage5m"`).
 */

export const SCAN_OPS = ['>=', '<=', '>', '<', '==', '!=', 'in', 'notIn', 'isNull', 'notNull'] as const;
export type ScanOp = (typeof SCAN_OPS)[number];

/** Caps that keep one scan's cost per tick bounded (docs/scans.md). */
export const MAX_GROUPS = 10;
export const MAX_CONDITIONS = 20;
export const MAX_IN_VALUES = 500;
export const MAX_LIMIT = 100;

const ORDER_OPS: ReadonlySet<ScanOp> = new Set(['>=', '<=', '>', '<']);
const SET_OPS: ReadonlySet<ScanOp> = new Set(['in', 'notIn']);
const NULL_OPS: ReadonlySet<ScanOp> = new Set(['isNull', 'notNull']);

const scalar = z.union([z.number().finite(), z.string().min(1).max(200), z.boolean()]);
export type ScanScalar = z.infer<typeof scalar>;

/** What a value of each field kind is written as. */
const VALUE_TYPE: Record<FieldKind, 'number' | 'string' | 'boolean'> = {
  number: 'number',
  derived: 'number',
  code: 'string',
  flag: 'boolean',
};

const conditionSchema = z
  .object({
    field: z.string(),
    op: z.enum(SCAN_OPS),
    value: z.union([scalar, z.array(scalar).min(1).max(MAX_IN_VALUES)]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const info = SCAN_FIELDS.get(c.field);
    if (!info) {
      ctx.addIssue({ code: 'custom', message: `unknown field "${c.field}"`, path: ['field'] });
      return;
    }
    if (ORDER_OPS.has(c.op) && !isNumericKind(info.kind)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${c.op}" does not apply to ${c.field} (use == != in notIn isNull notNull)`,
        path: ['op'],
      });
      return;
    }
    const type = VALUE_TYPE[info.kind];
    const where = `"${c.op}" on ${c.field}`;
    if (NULL_OPS.has(c.op)) {
      if (c.value !== undefined)
        ctx.addIssue({ code: 'custom', message: `${where} takes no value`, path: ['value'] });
    } else if (SET_OPS.has(c.op)) {
      if (!Array.isArray(c.value) || c.value.some((v) => typeof v !== type))
        ctx.addIssue({ code: 'custom', message: `${where} needs an array of ${type}s`, path: ['value'] });
    } else if (typeof c.value !== type) {
      ctx.addIssue({ code: 'custom', message: `${where} needs a ${type}`, path: ['value'] });
    }
  });

export type ScanCondition = z.infer<typeof conditionSchema>;

const sortSchema = z
  .object({
    field: z.string(),
    dir: z.enum(['asc', 'desc']),
    abs: z.boolean().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const info = SCAN_FIELDS.get(s.field);
    if (!info) ctx.addIssue({ code: 'custom', message: `unknown field "${s.field}"`, path: ['field'] });
    else if (!isNumericKind(info.kind))
      ctx.addIssue({ code: 'custom', message: `cannot sort on ${s.field}: not a number`, path: ['field'] });
  });

export type ScanSort = z.infer<typeof sortSchema>;

/** Lower and upper bound a comparison puts on its field, with strictness; `==` is both. */
function boundsOf(c: ScanCondition): { lower?: [number, boolean]; upper?: [number, boolean] } {
  if (typeof c.value !== 'number') return {};
  const v = c.value;
  switch (c.op) {
    case '>=':
      return { lower: [v, false] };
    case '>':
      return { lower: [v, true] };
    case '<=':
      return { upper: [v, false] };
    case '<':
      return { upper: [v, true] };
    case '==':
      return { lower: [v, false], upper: [v, false] };
    case '!=':
    case 'in':
    case 'notIn':
    case 'isNull':
    case 'notNull':
      return {};
  }
}

/**
 * Refuses a group whose bounds on one field leave no value (`price >= 10` and `price <= 1`, or `x > 1` and
 * `x < 1`): it could match nothing, as a filter with min above max is refused (SPEC §4, §13).
 */
function refuseEmptyRanges(where: readonly (readonly ScanCondition[])[], ctx: z.RefinementCtx): void {
  where.forEach((group, g) => {
    const low = new Map<string, { v: number; strict: boolean; text: string }>();
    const high = new Map<string, { v: number; strict: boolean; text: string }>();
    group.forEach((c, j) => {
      if (!isNumericKind(SCAN_FIELDS.get(c.field)?.kind ?? 'code')) return;
      const { lower, upper } = boundsOf(c);
      const text = `${c.field} ${c.op} ${String(c.value)}`;
      const lo = low.get(c.field);
      if (lower && (!lo || lower[0] > lo.v || (lower[0] === lo.v && lower[1])))
        low.set(c.field, { v: lower[0], strict: lower[1], text });
      const hi = high.get(c.field);
      if (upper && (!hi || upper[0] < hi.v || (upper[0] === hi.v && upper[1])))
        high.set(c.field, { v: upper[0], strict: upper[1], text });
      const a = low.get(c.field);
      const b = high.get(c.field);
      if (a && b && (a.v > b.v || (a.v === b.v && (a.strict || b.strict)))) {
        const what = a.text === b.text ? a.text : `${a.text} and ${b.text}`;
        ctx.addIssue({ code: 'custom', message: `${what}: no ticker can match`, path: ['where', g, j] });
        low.delete(c.field); // one message per contradiction
        high.delete(c.field);
      }
    });
  });
}

/** The scan's fields without the cross-field check (for describing variants of it, e.g. in OpenAPI). */
export const scanFieldsSchema = z
  .object({
    /** A safe token: it names the list `scan:<id>` and appears in Redis keys and URLs. */
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "-" or "_"'),
    name: z.string().max(200).default(''),
    /** Groups OR-ed, conditions inside a group AND-ed; no group at all = every ticker. */
    where: z.array(z.array(conditionSchema).min(1).max(MAX_CONDITIONS)).max(MAX_GROUPS).default([]),
    sort: sortSchema,
    limit: z.number().int().min(1).max(MAX_LIMIT).default(20),
    sessions: z.array(z.enum(SESSIONS)).default([]),
  })
  .strict();

export const scanSchema = scanFieldsSchema.superRefine((s, ctx) => refuseEmptyRanges(s.where, ctx));

export type ScanDefinition = z.infer<typeof scanSchema>;
/** What a client may send: name, where, limit and sessions have defaults. */
export type ScanDefinitionInput = z.input<typeof scanSchema>;

/** `where[1][0].field`: the path of an issue as a client writes it. */
function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

export function formatScanIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${pathText(i.path)}: ${i.message}`);
}

/** A scan that failed validation; the gateway answers it with `bad_request` and `message`. */
export class InvalidScanError extends Error {
  override readonly name = 'InvalidScanError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid scan: ${issues.join('; ')}`);
  }
}

/** Parses one scan or throws {@link InvalidScanError}. */
export function parseScan(value: unknown): ScanDefinition {
  const r = scanSchema.safeParse(value);
  if (!r.success) throw new InvalidScanError(formatScanIssues(r.error));
  return r.data;
}

function canonicalValue(v: ScanCondition['value']): unknown {
  if (!Array.isArray(v)) return v ?? null;
  return [...new Set(v)].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/**
 * The identity of what a scan computes, without its id and name: two clients' scans with the same key are
 * evaluated once. Order-free parts are sorted (conditions in a group, groups, sessions, `in` values), so
 * `[a, b]` and `[b, a]` are one scan; sessions listing all four are the same as none.
 */
export function canonicalScanKey(s: ScanDefinition): string {
  const groups = s.where
    .map((g) =>
      g
        .map((c) => JSON.stringify([c.field, c.op, canonicalValue(c.value)]))
        .sort()
        .filter((c, k, all) => k === 0 || all[k - 1] !== c),
    )
    .map((g) => `[${g.join(',')}]`)
    .sort()
    .filter((g, k, all) => k === 0 || all[k - 1] !== g);
  const sessions = [...new Set(s.sessions)].sort();
  return JSON.stringify({
    where: groups,
    sort: [s.sort.field, s.sort.dir, s.sort.abs === true],
    limit: s.limit,
    sessions: sessions.length === SESSIONS.length ? [] : sessions,
  });
}
