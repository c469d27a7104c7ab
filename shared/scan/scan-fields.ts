import {
  CODE_COLUMNS,
  META_COLUMNS,
  OUTPUT_COLUMNS,
  STATE_COLUMNS,
  type CodeColumn,
  type MarketColumns,
  type NumberColumn,
} from './columns.js';

/**
 * The fields a scan may name (SPEC §13: any row field of §3/§8 or metadata field of §2, and the named derived
 * fields), read from the market table's column declarations: a number column added to columns.ts (the §3
 * fields change1m … priceFromVwap, say) is a scan field with no line here, unless it is engine bookkeeping and
 * listed in {@link INTERNAL_COLUMNS}. Only what lives in a column can be scanned in a worker thread, so row
 * fields computed after the scan (rank, scoreRank, rvolState, filtersMatched) and metadata kept outside the
 * table (companyName, isActivelyTrading) are not fields (docs/scans.md).
 */

/** Number columns that are engine bookkeeping, not row fields. */
const INTERNAL_COLUMNS: ReadonlySet<string> = new Set<NumberColumn>(['updatedMs', 'volumeAgo']);

/** A derived field: computed once per evaluation into a scratch column, over the rows evaluated. */
export interface DerivedField {
  readonly name: string;
  compute(cols: MarketColumns, from: number, to: number, out: Float64Array): void;
}

/** SPEC §13: `anomalyRvol` = rvolSlot ?? rvol (the key of the `anomalies` list). */
const anomalyRvol: DerivedField = {
  name: 'anomalyRvol',
  compute(cols, from, to, out) {
    const { rvol, rvolSlot } = cols.num;
    for (let i = from; i < to; i++) {
      const slot = rvolSlot[i]!;
      out[i] = Number.isNaN(slot) ? rvol[i]! : slot;
    }
  },
};

export const DERIVED_FIELDS: readonly DerivedField[] = [anomalyRvol];

/**
 * How a field is stored, which decides the operators it takes: `number` (a Float64 column, NaN = null) and
 * `derived` compare with every operator; `code` (a dictionary-coded string, -1 = null) and `flag` (isEtf: 1, 0,
 * -1 = null) take only `== != in notIn isNull notNull`.
 */
export type FieldKind = 'number' | 'derived' | 'code' | 'flag';

export interface FieldInfo {
  readonly name: string;
  readonly kind: FieldKind;
}

const NUMBER_FIELDS = [...STATE_COLUMNS, ...META_COLUMNS, ...OUTPUT_COLUMNS].filter(
  (c) => !INTERNAL_COLUMNS.has(c),
);

export const SCAN_FIELDS: ReadonlyMap<string, FieldInfo> = new Map<string, FieldInfo>([
  ...NUMBER_FIELDS.map((name) => [name, { name, kind: 'number' }] as const),
  ...DERIVED_FIELDS.map(({ name }) => [name, { name, kind: 'derived' }] as const),
  ...CODE_COLUMNS.map((name) => [name, { name, kind: 'code' }] as const),
  ['isEtf', { name: 'isEtf', kind: 'flag' }],
]);

/** Fields that take order comparisons and can be sorted on. */
export function isNumericKind(kind: FieldKind): boolean {
  return kind === 'number' || kind === 'derived';
}

export function isCodeColumn(field: string): field is CodeColumn {
  return (CODE_COLUMNS as readonly string[]).includes(field);
}

export function derivedField(name: string): DerivedField | undefined {
  return DERIVED_FIELDS.find((d) => d.name === name);
}
