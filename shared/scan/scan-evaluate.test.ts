import { describe, expect, it } from 'vitest';
import { randomScans } from '../../bench/random-scans.js';
import { engine as plainEngine, metadata, ny, snapshotRow } from '../../test/utils/market.js';
import { categoriesOf, simulatedEngine } from '../../test/utils/sim-engine.js';
import { mulberry32 } from '../sim/random.js';
import { nullable } from './columns.js';
import type { ScanEngine } from './engine.js';
import { parseFilterList } from './filters-schema.js';
import { compileScans } from './scan-compile.js';
import {
  parseScan,
  type ScanCondition,
  type ScanDefinition,
  type ScanDefinitionInput,
} from './scan-definition.js';
import { evaluateScans, mergeScanResults, ScanWorkspace } from './scan-evaluate.js';
import { SCAN_FIELDS } from './scan-fields.js';
import { scanRows, type ScanResults } from './scan-tops.js';
import type { Session } from './sessions.js';

type Value = number | string | boolean | null;

/** A field's value as a client sees it in a row (null, never NaN or a code): the reference reads these. */
function valueOf(e: ScanEngine, field: string, row: number): Value {
  const cols = e.state.cols;
  if (field === 'anomalyRvol') {
    const slot = cols.num.rvolSlot[row]!;
    return nullable(Number.isNaN(slot) ? cols.num.rvol[row]! : slot);
  }
  const kind = SCAN_FIELDS.get(field)!.kind;
  if (kind === 'number') return nullable(cols.num[field as keyof typeof cols.num][row]!);
  if (kind === 'code')
    return e.state.dictionary.valueOf(field as 'sector', cols.code[field as 'sector'][row]!);
  const etf = cols.isEtf[row];
  return etf === 1 ? true : etf === 0 ? false : null;
}

function holds(c: ScanCondition, v: Value): boolean {
  if (c.op === 'isNull') return v === null;
  if (v === null) return false;
  const x = c.value as number;
  switch (c.op) {
    case '>=':
      return (v as number) >= x;
    case '<=':
      return (v as number) <= x;
    case '>':
      return (v as number) > x;
    case '<':
      return (v as number) < x;
    case '==':
      return v === c.value;
    case '!=':
      return v !== c.value;
    case 'in':
      return (c.value as Value[]).includes(v);
    case 'notIn':
      return !(c.value as Value[]).includes(v);
    case 'notNull':
      return true;
  }
}

/** SPEC §13 read literally, row by row with strings and nulls: the evaluator must agree with it exactly. */
function reference(e: ScanEngine, s: ScanDefinition, session: Session): number[] {
  if (s.sessions.length > 0 && !s.sessions.includes(session)) return [];
  const out: { row: number; key: number; symbol: string }[] = [];
  for (let row = 0; row < e.state.size; row++) {
    if (e.state.cols.passed[row] !== 1) continue;
    if (s.where.length > 0 && !s.where.some((g) => g.every((c) => holds(c, valueOf(e, c.field, row)))))
      continue;
    const v = valueOf(e, s.sort.field, row) as number | null;
    if (v === null) continue;
    out.push({ row, key: s.sort.abs ? Math.abs(v) : v, symbol: e.state.symbolAt(row) });
  }
  const dir = s.sort.dir === 'desc' ? -1 : 1;
  out.sort((a, b) => (a.key !== b.key ? dir * (a.key - b.key) : a.symbol < b.symbol ? -1 : 1));
  return out.slice(0, s.limit).map((r) => r.row);
}

function rowsOf(r: ScanResults, s: number): number[] {
  return Array.from(scanRows(r, s));
}

describe('the scan evaluator (SPEC §13)', () => {
  it('agrees with the literal reading of the SPEC on random scans over simulated markets, in every session', () => {
    let nonEmpty = 0;
    for (const [seed, time] of [
      [1, '04:30'],
      [2, '10:15'],
      [3, '15:00'],
      [4, '17:45'],
      [5, '21:00'],
    ] as const) {
      const m = simulatedEngine({
        seed,
        tickers: 800,
        day: '2026-03-02',
        filters: parseFilterList([{ id: 1, name: 'Price', parameters: { minPrice: 1 } }]),
      });
      m.snapshot(ny('04:05'));
      m.snapshot(ny(time));
      const { clock } = m.engine.prepare(ny(time));
      m.engine.scan(ny(time));
      const scans = randomScans(150, {
        cols: m.engine.state.cols,
        size: m.engine.state.size,
        categories: categoriesOf(m.engine),
        rand: mulberry32(seed),
      });
      const compiled = compileScans(scans, m.engine.state.dictionary);
      const got = evaluateScans(m.engine.state.cols, compiled, 0, m.engine.state.size, clock.session);
      scans.forEach((s, i) => {
        const want = reference(m.engine, s, clock.session);
        if (want.length > 0) nonEmpty++;
        expect(rowsOf(got, compiled.indexOf[i]!), JSON.stringify(s)).toEqual(want);
      });
    }
    expect(nonEmpty).toBeGreaterThan(300);
  }, 60_000);

  it('gives per row-range shards that merge into exactly the single pass, with a reused workspace', () => {
    const m = simulatedEngine({ seed: 11, tickers: 1000, day: '2026-03-02' });
    m.snapshot(ny('09:50'));
    m.snapshot(ny('10:00'));
    m.engine.scan(ny('10:00'));
    const { cols, size } = m.engine.state;
    const scans = randomScans(200, { cols, size, categories: categoriesOf(m.engine), rand: mulberry32(5) });
    const compiled = compileScans(scans, m.engine.state.dictionary);
    const single = evaluateScans(cols, compiled, 0, size, 'MARKET_OPEN');
    const workspace = new ScanWorkspace();
    for (const cuts of [
      [0, size],
      [0, 1, size],
      [0, 333, 334, 900, size],
      [0, 0, 500, size, size],
    ]) {
      // One workspace reused by every call, as a worker thread keeps one between ticks.
      const parts = cuts
        .slice(1)
        .map((to, k) => evaluateScans(cols, compiled, cuts[k]!, to, 'MARKET_OPEN', { workspace }));
      const merged = mergeScanResults(cols.symbolOrder, compiled, parts);
      expect(Array.from(merged.rows)).toEqual(Array.from(single.rows));
      expect(Array.from(merged.offsets)).toEqual(Array.from(single.offsets));
    }
  }, 60_000);

  it('gives the same rows with and without the short lists and the field indexes, whether a scan fills from a short list or not', () => {
    const m = simulatedEngine({ seed: 12, tickers: 1500, day: '2026-03-02' });
    m.snapshot(ny('10:30'));
    m.engine.scan(ny('10:30'));
    const { cols, size } = m.engine.state;
    const scans = randomScans(400, {
      cols,
      size,
      categories: categoriesOf(m.engine),
      rand: mulberry32(8),
      sortFields: ['changePercent', 'volumeToday', 'rvol', 'anomalyRvol', 'price'],
    });
    const compiled = compileScans(scans, m.engine.state.dictionary);
    const plain = evaluateScans(cols, compiled, 0, size, 'MARKET_OPEN', {
      shortLists: false,
      indexes: false,
    });
    const fast = evaluateScans(cols, compiled, 0, size, 'MARKET_OPEN');
    for (const options of [{ indexes: false }, { shortLists: false }, {}]) {
      const r = evaluateScans(cols, compiled, 0, size, 'MARKET_OPEN', options);
      expect(Array.from(r.offsets)).toEqual(Array.from(plain.offsets));
      expect(Array.from(r.rows)).toEqual(Array.from(plain.rows));
      expect(Array.from(r.keys)).toEqual(Array.from(plain.keys));
    }
    // Both paths are exercised: scans that fill their limit and scans that come out short.
    const full = compiled.scans.filter((s, i) => fast.offsets[i + 1]! - fast.offsets[i]! === s.limit).length;
    expect(full).toBeGreaterThan(50);
    expect(compiled.scans.length - full).toBeGreaterThan(50);
  }, 60_000);

  it('starts selective groups from the per-tick field indexes and still agrees with the SPEC', () => {
    const m = simulatedEngine({ seed: 13, tickers: 1200, day: '2026-03-02' });
    m.snapshot(ny('11:00'));
    m.engine.scan(ny('11:00'));
    const { cols, size } = m.engine.state;
    const sectors = categoriesOf(m.engine).sector!;
    const price = (row: number) => cols.num.price[row]!;
    // Every field below is used by far more groups than an index needs, so the indexed path runs.
    const scans = Array.from({ length: 80 }, (_, k): ScanDefinition => {
      const p = price((k * 37) % size);
      const where: ScanDefinitionInput['where'][] = [
        [
          [
            { field: 'price', op: '>=', value: p },
            { field: 'price', op: '<', value: p * 1.05 },
          ],
        ],
        [[{ field: 'price', op: 'in', value: [p, price((k * 53) % size)] }]],
        [
          [{ field: 'sector', op: '==', value: sectors[k % sectors.length]! }],
          [{ field: 'rvolSlot', op: 'isNull' }],
        ],
        [
          [
            { field: 'sector', op: 'isNull' },
            { field: 'price', op: '<=', value: p },
          ],
        ],
      ];
      return parseScan({
        id: `i${k}`,
        where: where[k % 4],
        sort: { field: 'volumeToday', dir: k % 2 ? 'asc' : 'desc' },
        limit: 1 + (k % 30),
      });
    });
    const compiled = compileScans(scans, m.engine.state.dictionary);
    const got = evaluateScans(cols, compiled, 0, size, 'MARKET_OPEN');
    let rows = 0;
    scans.forEach((s, i) => {
      const want = reference(m.engine, s, 'MARKET_OPEN');
      rows += want.length;
      expect(rowsOf(got, compiled.indexOf[i]!), JSON.stringify(s)).toEqual(want);
    });
    expect(rows).toBeGreaterThan(300);
  }, 60_000);

  describe('semantics on a small market', () => {
    // changePercent: AAA +10, BBB +10, CCC −10, DDD null (no prevClose), EEE +3, FFF price 0.5 (+0).
    const e = plainEngine({
      metadata: [
        metadata('AAA', { sector: 'Energy' }),
        metadata('BBB', { sector: 'Technology', isEtf: true }),
        metadata('CCC', { sector: null }),
        metadata('EEE', { sector: 'Energy' }),
      ],
      filters: parseFilterList([{ id: 1, name: 'Penny', parameters: { minPrice: 1 } }]),
    });
    e.applySnapshot(ny('10:00'), [
      snapshotRow('BBB', { price: 11, prevClose: 10, volume: 100 }),
      snapshotRow('AAA', { price: 22, prevClose: 20, volume: 300 }),
      snapshotRow('CCC', { price: 9, prevClose: 10, volume: 200 }),
      snapshotRow('DDD', { price: 5, volume: 50 }),
      snapshotRow('EEE', { price: 10.3, prevClose: 10, volume: 10 }),
      snapshotRow('FFF', { price: 0.5, prevClose: 0.5, volume: 1e6 }),
    ]);
    e.scan(ny('10:00'));
    const run = (scan: Omit<ScanDefinitionInput, 'id'>, session: Session = 'MARKET_OPEN'): string[] => {
      const compiled = compileScans([parseScan({ id: 't', ...scan })], e.state.dictionary);
      const r = evaluateScans(e.state.cols, compiled, 0, e.state.size, session);
      return rowsOf(r, 0).map((row) => e.state.symbolAt(row));
    };
    const byChange = { field: 'changePercent', dir: 'desc' } as const;

    it('breaks ties by symbol asc, and a null sort key excludes the ticker', () => {
      expect(run({ sort: byChange })).toEqual(['AAA', 'BBB', 'EEE', 'CCC']);
    });

    it('sorts by absolute value with abs', () => {
      expect(run({ sort: { ...byChange, abs: true } })).toEqual(['AAA', 'BBB', 'CCC', 'EEE']);
      expect(run({ sort: { ...byChange, dir: 'asc', abs: true } })).toEqual(['EEE', 'AAA', 'BBB', 'CCC']);
    });

    it('applies the global filters to every scan (FFF is below the minimum price)', () => {
      expect(run({ sort: { field: 'volumeToday', dir: 'desc' } })).toEqual([
        'AAA',
        'CCC',
        'BBB',
        'DDD',
        'EEE',
      ]);
    });

    it('matches when any group matches, each row once, and fails a null value except with isNull', () => {
      const where: ScanDefinitionInput['where'] = [
        [{ field: 'changePercent', op: '>=', value: 5 }],
        [{ field: 'sector', op: '==', value: 'Energy' }],
      ];
      expect(run({ where, sort: byChange })).toEqual(['AAA', 'BBB', 'EEE']);
      expect(run({ where: [[{ field: 'sector', op: '!=', value: 'Energy' }]], sort: byChange })).toEqual([
        'BBB',
      ]);
      expect(run({ where: [[{ field: 'sector', op: 'isNull' }]], sort: byChange })).toEqual(['CCC']);
      expect(run({ where: [[{ field: 'isEtf', op: '==', value: false }]], sort: byChange })).toEqual([
        'AAA',
        'EEE',
        'CCC',
      ]);
      expect(
        run({
          where: [[{ field: 'changePercent', op: '<', value: 0 }]],
          sort: { field: 'price', dir: 'asc' },
        }),
      ).toEqual(['CCC']);
    });

    it('runs a scan only in its sessions, and keeps at most limit rows', () => {
      expect(run({ sort: byChange, sessions: ['PRE_MARKET'] })).toEqual([]);
      expect(run({ sort: byChange, sessions: ['PRE_MARKET'] }, 'PRE_MARKET')).toHaveLength(4);
      expect(run({ sort: byChange, limit: 2 })).toEqual(['AAA', 'BBB']);
    });

    it('computes identical definitions once, whatever their id, name or condition order', () => {
      const a = parseScan({
        id: 'a',
        where: [
          [
            { field: 'price', op: '>=', value: 1 },
            { field: 'sector', op: 'in', value: ['Energy', 'Technology'] },
          ],
        ],
        sort: byChange,
      });
      const b = parseScan({
        id: 'b',
        name: 'mine',
        where: [
          [
            { field: 'sector', op: 'in', value: ['Technology', 'Energy'] },
            { field: 'price', op: '>=', value: 1 },
          ],
        ],
        sort: { ...byChange, abs: false },
        sessions: ['CLOSED', 'MARKET_OPEN', 'POST_MARKET', 'PRE_MARKET'],
      });
      const compiled = compileScans([a, b, { ...a, limit: 5 }], e.state.dictionary);
      expect(compiled.scans).toHaveLength(2);
      expect(Array.from(compiled.indexOf)).toEqual([0, 0, 1]);
    });
  });
});
