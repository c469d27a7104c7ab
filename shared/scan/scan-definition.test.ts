import { describe, expect, it } from 'vitest';
import { META_COLUMNS, OUTPUT_COLUMNS, STATE_COLUMNS } from './columns.js';
import { canonicalScanKey, InvalidScanError, parseScan } from './scan-definition.js';
import { SCAN_FIELDS } from './scan-fields.js';

const sort = { field: 'changePercent', dir: 'desc' } as const;

/** The issues a scan is refused with. */
function issues(scan: Record<string, unknown>): readonly string[] {
  try {
    parseScan({ id: 'x', sort, ...scan });
  } catch (e) {
    if (e instanceof InvalidScanError) return e.issues;
    throw e;
  }
  throw new Error('the scan was accepted');
}

describe('the scan schema (SPEC §13)', () => {
  it('accepts a scan and fills in name, where, limit and sessions', () => {
    expect(parseScan({ id: 'my-scan_1', sort })).toEqual({
      id: 'my-scan_1',
      name: '',
      where: [],
      sort,
      limit: 20,
      sessions: [],
    });
  });

  it('names an unknown field with its place in the scan', () => {
    expect(
      issues({
        where: [[{ field: 'price', op: '>=', value: 1 }], [{ field: 'chnage5m', op: '>=', value: 1 }]],
      }),
    ).toEqual(['where[1][0].field: unknown field "chnage5m"']);
    expect(issues({ sort: { field: 'nope', dir: 'asc' } })).toEqual(['sort.field: unknown field "nope"']);
  });

  it('refuses an operator the field does not take, and a value of the wrong type', () => {
    expect(issues({ where: [[{ field: 'sector', op: '>=', value: 'A' }]] })).toEqual([
      'where[0][0].op: ">=" does not apply to sector (use == != in notIn isNull notNull)',
    ]);
    expect(issues({ where: [[{ field: 'price', op: '>=', value: '10' }]] })).toEqual([
      'where[0][0].value: ">=" on price needs a number',
    ]);
    expect(issues({ where: [[{ field: 'exchange', op: 'in', value: 'XNAS' }]] })).toEqual([
      'where[0][0].value: "in" on exchange needs an array of strings',
    ]);
    expect(issues({ where: [[{ field: 'isEtf', op: '==', value: 'yes' }]] })).toEqual([
      'where[0][0].value: "==" on isEtf needs a boolean',
    ]);
    expect(issues({ where: [[{ field: 'rvol', op: 'isNull', value: 1 }]] })).toEqual([
      'where[0][0].value: "isNull" on rvol takes no value',
    ]);
    expect(issues({ where: [[{ field: 'rvol', op: '=>', value: 1 }]] })[0]).toMatch(/^where\[0\]\[0\]\.op: /);
    expect(issues({ sort: { field: 'sector', dir: 'asc' } })).toEqual([
      'sort.field: cannot sort on sector: not a number',
    ]);
  });

  it('refuses bounds on one field in one group that no value satisfies, and accepts them across groups', () => {
    const price = (op: string, value: number) => ({ field: 'price', op, value });
    expect(issues({ where: [[price('>=', 10), price('<=', 1)]] })).toEqual([
      'where[0][1]: price >= 10 and price <= 1: no ticker can match',
    ]);
    expect(issues({ where: [[price('>', 1), price('<', 1)]] })).toEqual([
      'where[0][1]: price > 1 and price < 1: no ticker can match',
    ]);
    expect(issues({ where: [[price('==', 2), price('<', 2)]] })).toEqual([
      'where[0][1]: price == 2 and price < 2: no ticker can match',
    ]);
    expect(parseScan({ id: 'x', sort, where: [[price('>=', 1), price('<=', 1)]] }).where[0]).toHaveLength(2);
    expect(parseScan({ id: 'x', sort, where: [[price('>=', 10)], [price('<=', 1)]] }).where).toHaveLength(2);
  });

  it('takes a safe token as id, a limit of 1 to 100, known sessions and no unknown keys', () => {
    expect(issues({ id: 'my scan!' })).toEqual(['id: must be 1 to 64 letters, digits, "-" or "_"']);
    expect(issues({ limit: 0 })[0]).toMatch(/^limit: /);
    expect(issues({ limit: 101 })[0]).toMatch(/^limit: /);
    expect(issues({ limit: 2.5 })[0]).toMatch(/^limit: /);
    expect(issues({ sessions: ['LUNCH'] })[0]).toMatch(/^sessions\[0\]: /);
    expect(issues({ colour: 'red' })[0]).toMatch(/colour/);
    expect(issues({ where: [[]] })[0]).toMatch(/^where\[0\]: /);
  });

  it('knows every number column of the market table but the engine bookkeeping, and the derived anomalyRvol', () => {
    const numbers = [...STATE_COLUMNS, ...META_COLUMNS, ...OUTPUT_COLUMNS].filter(
      (c) => c !== 'updatedMs' && c !== 'volumeAgo',
    );
    for (const c of numbers) expect(SCAN_FIELDS.get(c)?.kind, c).toBe('number');
    expect(SCAN_FIELDS.get('anomalyRvol')?.kind).toBe('derived');
    expect(['sector', 'industry', 'exchange'].map((c) => SCAN_FIELDS.get(c)?.kind)).toEqual([
      'code',
      'code',
      'code',
    ]);
    expect(SCAN_FIELDS.get('isEtf')?.kind).toBe('flag');
    expect(SCAN_FIELDS.has('updatedMs')).toBe(false);
  });

  it('gives one canonical key to scans that compute the same thing, and different keys otherwise', () => {
    const a = parseScan({
      id: 'a',
      where: [
        [
          { field: 'price', op: '>=', value: 1 },
          { field: 'sector', op: 'in', value: ['B', 'A'] },
        ],
        [{ field: 'rvol', op: 'notNull' }],
      ],
      sort,
      sessions: ['PRE_MARKET', 'MARKET_OPEN'],
    });
    const b = parseScan({
      id: 'b',
      name: 'other name',
      where: [
        [{ field: 'rvol', op: 'notNull' }],
        [
          { field: 'sector', op: 'in', value: ['A', 'B', 'A'] },
          { field: 'price', op: '>=', value: 1 },
        ],
      ],
      sort: { ...sort, abs: false },
      sessions: ['MARKET_OPEN', 'PRE_MARKET'],
    });
    expect(canonicalScanKey(a)).toBe(canonicalScanKey(b));
    expect(canonicalScanKey({ ...a, limit: 21 })).not.toBe(canonicalScanKey(a));
    expect(canonicalScanKey({ ...a, sort: { ...sort, abs: true } })).not.toBe(canonicalScanKey(a));
    expect(canonicalScanKey({ ...a, sessions: [] })).not.toBe(canonicalScanKey(a));
  });
});
