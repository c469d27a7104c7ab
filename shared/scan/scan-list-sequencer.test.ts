import { describe, expect, it } from 'vitest';
import { randomScans } from '../../bench/random-scans.js';
import { ny } from '../../test/utils/market.js';
import { categoriesOf, simulatedEngine } from '../../test/utils/sim-engine.js';
import type { Delta, ScanRow } from '../protocol/messages.js';
import { mulberry32 } from '../sim/random.js';
import { diffList, type ListState } from './deltas.js';
import type { ScanEngine } from './engine.js';
import { scanKernel } from './kernel.js';
import { scoreRanksOf } from './ranking-order.js';
import { buildRow } from './rows.js';
import { evaluateScans } from './scan-evaluate.js';
import type { ScanListName } from './scan-list-names.js';
import type { ScanListMessage, StoredScanList } from './scan-list-sequencer.js';
import { scanRows } from './scan-tops.js';

const MONDAY = '2026-03-02';

/**
 * The reference the scan lists were first written as: every list member's row built afresh (a copy per list,
 * rank = list position), then diffList on row objects, as the built-in lists still do.
 */
class ReferenceLists {
  readonly lists = new Map<ScanListName, ListState>();

  constructor(private readonly epoch: string) {}

  publish(list: ScanListName, rows: readonly ScanRow[], ts: string): ScanListMessage | null {
    const prev = this.lists.get(list);
    if (!prev) {
      this.lists.set(list, { seq: 1, rows });
      return { type: 'snapshot', list, epoch: this.epoch, seq: 1, prevSeq: 0, ts, rows: [...rows] };
    }
    const { deltas, sent } = diffList(prev, rows);
    if (deltas.length === 0) return null;
    this.lists.set(list, { seq: prev.seq + 1, rows: sent });
    return { type: 'delta', list, epoch: this.epoch, seq: prev.seq + 1, prevSeq: prev.seq, ts, deltas };
  }
}

/** One tick of `engine` with its scans, and the reference's messages for the same lists at the same tick. */
function tick(engine: ScanEngine, reference: ReferenceLists, ms: number) {
  const prepared = engine.prepare(ms);
  const { cols, size } = engine.state;
  const candidates = scanKernel(cols, prepared.params, 0, size);
  const set = prepared.scans!;
  const results = evaluateScans(cols, set.compiled, 0, size, prepared.clock.session);
  const outcome = engine.finish(prepared, candidates, undefined, results);

  const ctx = {
    session: prepared.clock.session,
    filtersMatched: [...prepared.params.filters.matched],
    hasSlot: prepared.clock.slot !== null && prepared.clock.slot >= 0,
  };
  const expected: ScanListMessage[] = [];
  set.lists.forEach((list, i) => {
    const rows = scanRows(results, set.compiled.indexOf[i]!);
    const ranks = scoreRanksOf(cols, size, [...rows]);
    const listed = Array.from(rows, (row, k) => ({
      ...buildRow(engine.state, row, ranks.get(row)!, ctx),
      rank: k + 1,
    }));
    const msg = reference.publish(list, listed, outcome.ts);
    if (msg) expected.push(msg);
  });
  return { actual: outcome.scanMessages, expected };
}

describe('the scan lists sequenced on table rows (SPEC §6, §13)', () => {
  it('send byte for byte the messages diffList sends on freshly built rows, tick after tick of a moving market, across a restart', () => {
    const m = simulatedEngine({ seed: 11, tickers: 900, day: MONDAY });
    const start = ny('09:45', MONDAY);
    m.snapshot(start);
    m.engine.scan(start);
    const { cols, size } = m.engine.state;
    const defs = randomScans(80, {
      cols,
      size,
      categories: categoriesOf(m.engine),
      rand: mulberry32(5),
      sortFields: ['changePercent', 'volumeToday', 'rvol', 'dollarVolume', 'price'],
    });
    const lists = defs.map((d) => `scan:${d.id}` as const);
    m.engine.setScans(defs, lists);
    const reference = new ReferenceLists(m.engine.epoch);
    const kinds: Record<Delta['action'] | 'snapshot' | 'list without a message', number> = {
      snapshot: 0,
      remove: 0,
      add: 0,
      rerank: 0,
      update: 0,
      'list without a message': 0,
    };
    // Seconds apart (small moves: rows held below the thresholds), then minutes apart (lists reshuffle).
    const instants = [
      ...Array.from({ length: 12 }, (_, s) => start + 60_000 + s * 1000),
      ...Array.from({ length: 8 }, (_, k) => start + (3 + 4 * k) * 60_000),
    ];
    instants.forEach((ms, t) => {
      if (t === 10) {
        // A restart: the built-in sequences continue from their state, each scan list from its stored snapshot
        // read back as JSON; one of them holds a symbol the table has never had (it must be removed).
        const stored = new Map<ScanListName, StoredScanList>();
        for (const list of lists)
          stored.set(list, JSON.parse(JSON.stringify(m.engine.scanLists.stored(list))) as StoredScanList);
        const [first] = [...stored].find(([, s]) => s.rows.length > 0)!;
        const s = stored.get(first)!;
        stored.set(first, {
          ...s,
          rows: [...s.rows, { ...s.rows[0]!, symbol: 'GONE', rank: s.rows.length + 1 }],
        });
        m.engine.resetSequences(m.engine.sequencerState());
        for (const [list, st] of stored) {
          m.engine.scanLists.restore(list, st);
          reference.lists.set(list, { seq: st.seq, rows: structuredClone(st.rows) });
        }
      }
      m.snapshot(ms);
      const { actual, expected } = tick(m.engine, reference, ms);
      expect(JSON.stringify(actual), `tick ${t}`).toBe(JSON.stringify(expected));
      for (const msg of expected) {
        if (msg.type === 'snapshot') kinds.snapshot++;
        else for (const d of msg.deltas) kinds[d.action]++;
      }
      // What clients hold: the stored snapshots, also byte for byte.
      for (const list of lists)
        expect(JSON.stringify(m.engine.scanLists.stored(list)!.rows), list).toBe(
          JSON.stringify(reference.lists.get(list)!.rows),
        );
      kinds['list without a message'] += lists.length - expected.length;
    });
    // The comparison covered every kind of delta, and lists that sent nothing.
    for (const [kind, count] of Object.entries(kinds)) expect(count, kind).toBeGreaterThan(0);
  }, 60_000);
});
