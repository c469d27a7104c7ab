import type { AlertMessage } from '../protocol/alert-messages.js';
import { scanRowSchema } from '../protocol/messages.js';
import {
  formatScanIssues,
  InvalidScanError,
  scanSchema,
  type ScanCondition,
  type ScanDefinition,
} from '../scan/scan-definition.js';
import { SCAN_FIELDS } from '../scan/scan-fields.js';

/*
 * A client's `where` on the alerts stream (SPEC §14: "a scan-like where, §13"), evaluated per alert on the
 * gateway over the alert's row — one alert at a time, not a table, so over the row object rather than columns.
 * The language and its validation are the scans' own (scanSchema: the same operators, the same messages), with
 * one more restriction: a field must be in an alert's row (SPEC §8), since that is all an alert carries —
 * `beta` or `avgVolume30d` are scan fields but not row fields, and a condition on them could never hold.
 */

/** A client's `where` on the alerts stream: the scan language's groups. */
export type AlertWhere = ScanDefinition['where'];
type Where = AlertWhere;

/** The scan fields an alert's row carries (anomalyRvol is derived from two of them). */
const ROW_FIELDS: ReadonlySet<string> = new Set(
  [...SCAN_FIELDS.keys()].filter((f) => f in scanRowSchema.shape || f === 'anomalyRvol'),
);

/**
 * Validates a `where` for the alerts stream, or throws InvalidScanError whose issues name the place
 * (`where[0][1].field: …`), as a scan's are. `[]` (or absent) matches every alert.
 */
export function parseAlertWhere(where: unknown): Where {
  const r = scanSchema.safeParse({ id: 'alerts', where: where ?? [], sort: { field: 'price', dir: 'desc' } });
  if (!r.success) throw new InvalidScanError(formatScanIssues(r.error).filter((i) => i.startsWith('where')));
  const issues: string[] = [];
  r.data.where.forEach((group, g) =>
    group.forEach((c, j) => {
      if (!ROW_FIELDS.has(c.field))
        issues.push(`where[${g}][${j}].field: ${c.field} is not in an alert's row (SPEC §8 row fields only)`);
    }),
  );
  if (issues.length) throw new InvalidScanError(issues);
  return r.data.where;
}

type Value = number | string | boolean | null;

function fieldValue(alert: AlertMessage, field: string): Value {
  const row = alert.row as unknown as Record<string, Value>;
  if (field === 'anomalyRvol') return alert.row.rvolSlot ?? alert.row.rvol;
  return row[field] ?? null;
}

/** SPEC §13: a condition on a null value fails, except isNull. */
function holds(c: ScanCondition, v: Value): boolean {
  if (c.op === 'isNull') return v === null;
  if (v === null) return false;
  if (c.op === 'notNull') return true;
  const x = c.value;
  switch (c.op) {
    case '>=':
      return (v as number) >= (x as number);
    case '<=':
      return (v as number) <= (x as number);
    case '>':
      return (v as number) > (x as number);
    case '<':
      return (v as number) < (x as number);
    case '==':
      return v === x;
    case '!=':
      return v !== x;
    case 'in':
      return (x as readonly Value[]).includes(v);
    case 'notIn':
      return !(x as readonly Value[]).includes(v);
  }
}

/** Whether `alert` matches `where` (validated by parseAlertWhere): any group whose conditions all hold. */
export function alertMatches(where: Where, alert: AlertMessage): boolean {
  if (where.length === 0) return true;
  return where.some((group) => group.every((c) => holds(c, fieldValue(alert, c.field))));
}
