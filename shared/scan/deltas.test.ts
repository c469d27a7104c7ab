import fc from 'fast-check';
import { applyListMessage, applyListRows } from '../../test/utils/list-model.js';
import { describe, expect, it } from 'vitest';
import { advanceSnapshot } from '../protocol/advance.js';
import type { ListMessage, ScanRow, SnapshotMessage } from '../protocol/messages.js';
import { deltaMessageSchema, snapshotMessageSchema } from '../protocol/messages.js';
import { engine, ny, snapshotRow } from '../../test/utils/market.js';
import {
  isMaterialChange,
  ListSequencer,
  MATERIAL_THRESHOLDS,
  type SentFields,
  type SequencerState,
} from './deltas.js';
import { LIST_NAMES } from './lists.js';
import { scanRow as row } from '../../test/utils/scan-row.js';

const rows = (symbols: string[], v: (s: string) => Partial<ScanRow> = () => ({})) =>
  symbols.map((s, i) => row(s, i + 1, v(s)));
const newSequencer = () => new ListSequencer(() => 'e1');

describe('list deltas (SPEC §6)', () => {
  it('publishes a snapshot first, then nothing while nothing changes', () => {
    const seq = newSequencer();
    const first = seq.publish('gappers_up', rows(['A', 'B']), 't1');
    expect(first).toMatchObject({ type: 'snapshot', seq: 1, prevSeq: 0, epoch: 'e1' });
    expect(seq.publish('gappers_up', rows(['A', 'B']), 't2')).toBeNull();
  });

  it('sends remove, add, rerank and update with list ranks', () => {
    const seq = newSequencer();
    seq.publish('gappers_up', rows(['A', 'B', 'C']), 't1');
    const msg = seq.publish(
      'gappers_up',
      rows(['C', 'A', 'D'], (s) => (s === 'A' ? { price: 10.5 } : {})),
      't2',
    );
    expect(msg?.type).toBe('delta');
    if (msg?.type !== 'delta') return;
    expect(msg).toMatchObject({ seq: 2, prevSeq: 1 });
    expect(msg.deltas.map((d) => [d.action, d.symbol])).toEqual([
      ['remove', 'B'],
      ['rerank', 'C'],
      ['rerank', 'A'],
      ['update', 'A'],
      ['add', 'D'],
    ]);
    expect(msg.deltas.find((d) => d.action === 'rerank' && d.symbol === 'C')).toEqual({
      action: 'rerank',
      symbol: 'C',
      oldRank: 3,
      newRank: 1,
    });
    expect(msg.deltas.find((d) => d.action === 'add')).toMatchObject({
      symbol: 'D',
      rank: 3,
      row: { rank: 3 },
    });
    // Only what differs from the row last sent: its price, and its scoreRank (row() makes it = rank).
    expect(msg.deltas.find((d) => d.action === 'update')).toEqual({
      action: 'update',
      symbol: 'A',
      rank: 2,
      fields: { price: 10.5, scoreRank: 2 },
    });
  });

  it('sends in an update every field that differs from the row last sent, and only those (lean updates)', () => {
    const seq = newSequencer();
    seq.publish(
      'gappers_up',
      rows(['A'], () => ({ price: 10, score: 5, high: 11, filtersMatched: ['f1'] })),
      't1',
    );
    // Below every threshold: nothing is sent, whatever else moved.
    expect(
      seq.publish(
        'gappers_up',
        rows(['A'], () => ({ price: 10, score: 6, high: 12, filtersMatched: ['f1'] })),
        't2',
      ),
    ).toBeNull();
    // A material move: the update carries what differs from the row sent at t1, not from t2's row — the score
    // that came back to 5 is not repeated, the high that moved at t2 is, and an equal filtersMatched is not.
    const msg = seq.publish(
      'gappers_up',
      rows(['A'], () => ({ price: 10.5, score: 5, high: 12, filtersMatched: ['f1'], updatedAt: 't3' })),
      't3',
    );
    expect(msg).toMatchObject({
      type: 'delta',
      deltas: [
        { action: 'update', symbol: 'A', rank: 1, fields: { price: 10.5, high: 12, updatedAt: 't3' } },
      ],
    });
    expect(Object.keys((msg as { deltas: { fields: object }[] }).deltas[0]!.fields).sort()).toEqual([
      'high',
      'price',
      'updatedAt',
    ]);
    // The merged row is now the row last sent: the next update is against it.
    const next = seq.publish(
      'gappers_up',
      rows(['A'], () => ({ price: 11, score: 5, high: 12, filtersMatched: ['f1', 'f2'], updatedAt: 't3' })),
      't4',
    );
    expect(next).toMatchObject({
      deltas: [{ action: 'update', fields: { price: 11, filtersMatched: ['f1', 'f2'] } }],
    });
    expect(Object.keys((next as { deltas: { fields: object }[] }).deltas[0]!.fields).sort()).toEqual([
      'filtersMatched',
      'price',
    ]);
  });

  it('sends an update once small moves add up past a threshold (fix: drifts were compared away)', () => {
    const seq = newSequencer();
    seq.publish(
      'gappers_up',
      rows(['A'], () => ({ price: 10 })),
      't1',
    );
    // Each step is below the 0.01 threshold against the previous scan…
    expect(
      seq.publish(
        'gappers_up',
        rows(['A'], () => ({ price: 10.006 })),
        't2',
      ),
    ).toBeNull();
    // …but the total against the row last sent is not.
    const msg = seq.publish(
      'gappers_up',
      rows(['A'], () => ({ price: 10.012 })),
      't3',
    );
    expect(msg).toMatchObject({
      type: 'delta',
      deltas: [{ action: 'update', symbol: 'A', fields: { price: 10.012 } }],
    });
    // And the next comparison is against 10.012, the row just sent.
    expect(
      seq.publish(
        'gappers_up',
        rows(['A'], () => ({ price: 10.02 })),
        't4',
      ),
    ).toBeNull();
  });

  it('treats each material field at, below and above its threshold, and a null ↔ value change', () => {
    const sent = { price: 10, volumeToday: 10_000, changePercent: 1, rvol: 1 } satisfies SentFields;
    const base = row('A', 1, sent);
    for (const [field, threshold] of Object.entries(MATERIAL_THRESHOLDS) as [keyof SentFields, number][]) {
      const at = { ...base, [field]: sent[field] + threshold };
      const above = { ...base, [field]: sent[field] + threshold * 1.5 };
      expect(isMaterialChange(sent, at), `${field} at threshold`).toBe(false);
      expect(isMaterialChange(sent, above), `${field} above threshold`).toBe(true);
      expect(isMaterialChange(sent, { ...base, [field]: null }), `${field} to null`).toBe(true);
      expect(isMaterialChange({ ...sent, [field]: null }, base), `${field} from null`).toBe(true);
    }
    expect(isMaterialChange(sent, { ...base, score: 99, high: 50 })).toBe(false);
  });

  it('removes every symbol of a list that empties', () => {
    const seq = newSequencer();
    seq.publish('winners', rows(['A', 'B']), 't1');
    const msg = seq.publish('winners', [], 't2');
    expect(msg).toMatchObject({
      type: 'delta',
      deltas: [
        { action: 'remove', symbol: 'A' },
        { action: 'remove', symbol: 'B' },
      ],
    });
  });

  it('continues the sequence after a restart from persisted state (fix: it restarted at 0)', () => {
    const before = newSequencer();
    for (const l of LIST_NAMES) before.publish(l, rows(['A']), 't1');
    before.publish('gappers_up', rows(['B']), 't2');
    const persisted = JSON.parse(JSON.stringify(before.state())) as SequencerState;
    const after = new ListSequencer(() => 'e2', persisted);
    expect(after.epoch).toBe('e1');
    expect(after.publish('gappers_up', rows(['B', 'C']), 't3')).toMatchObject({
      type: 'delta',
      seq: 3,
      prevSeq: 2,
    });
    expect(
      after.publish(
        'winners',
        rows(['A'], () => ({ price: 11 })),
        't3',
      ),
    ).toMatchObject({ type: 'delta', seq: 2, prevSeq: 1 });
  });

  it('starts a new epoch with snapshots at seq 1 when the state is lost or incomplete', () => {
    const lost = new ListSequencer(() => 'e2', null);
    expect(lost.epoch).toBe('e2');
    expect(lost.publish('gappers_up', rows(['A']), 't')).toMatchObject({
      type: 'snapshot',
      seq: 1,
      epoch: 'e2',
    });
    const partial = new ListSequencer(() => 'e3', {
      epoch: 'e1',
      lists: { gappers_up: { seq: 5, rows: [] } } as never,
    });
    expect(partial.epoch).toBe('e3');
  });

  it('yields exactly the new symbols and ranks, and rows below the thresholds, when each delta is applied to the previous snapshot (property)', () => {
    const symbol = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
    const ranking = fc.uniqueArray(
      fc.record({
        symbol,
        price: fc.double({ min: 1, max: 12, noNaN: true }),
        volume: fc.integer({ min: 0, max: 5000 }),
        rvol: fc.option(fc.double({ min: 0, max: 5, noNaN: true }), { nil: null }),
        // Fields outside the thresholds move too, so lean updates must carry them when they differ.
        score: fc.integer({ min: 0, max: 3 }),
        high: fc.option(fc.constantFrom(11, 12), { nil: null }),
        filtersMatched: fc.subarray(['f1', 'f2']),
      }),
      {
        selector: (r) => r.symbol,
        maxLength: 20,
      },
    );
    fc.assert(
      fc.property(fc.array(ranking, { minLength: 1, maxLength: 30 }), (scans) => {
        const seq = newSequencer();
        // The system under test: advanceSnapshot, what the gateway and the SDK's ListTracker run.
        let advanced: SnapshotMessage | undefined;
        // An independent reference model: symbols by applyListMessage, rows by applyListRows.
        let held: string[] = [];
        let heldRows: ScanRow[] = [];
        let lastSeq = 0;
        scans.forEach((scan, k) => {
          const next = scan.map((r, i) =>
            row(r.symbol, i + 1, {
              price: r.price,
              volumeToday: r.volume,
              rvol: r.rvol,
              changePercent: r.price - 10,
              score: r.score,
              high: r.high,
              filtersMatched: r.filtersMatched,
            }),
          );
          const msg: ListMessage | null = seq.publish('anomalies', next, `t${k}`);
          if (msg) {
            expect(msg.prevSeq).toBe(lastSeq);
            expect(msg.seq).toBe(lastSeq + 1);
            lastSeq = msg.seq;
            expect(
              (msg.type === 'snapshot' ? snapshotMessageSchema : deltaMessageSchema).safeParse(msg).success,
            ).toBe(true);
            const result = advanceSnapshot(advanced, msg);
            expect(result, `seq ${msg.seq} is applied, not a gap or stale`).toMatchObject({
              type: 'snapshot',
              seq: msg.seq,
              epoch: msg.epoch,
            });
            advanced = result as SnapshotMessage;
            if (msg.type === 'delta')
              for (const d of msg.deltas) {
                if (d.action !== 'update') continue;
                // Lean: only fields whose value differs from the row held, and at least one.
                const before = heldRows.find((r) => r.symbol === d.symbol)!;
                expect(Object.keys(d.fields).length).toBeGreaterThan(0);
                for (const [f, v] of Object.entries(d.fields))
                  expect(v, f).not.toEqual(before[f as keyof ScanRow]);
              }
            held = applyListMessage(held, msg);
            heldRows = applyListRows(heldRows, msg);
          }
          const symbols = next.map((r) => r.symbol);
          expect(held).toEqual(symbols);
          expect(advanced!.rows.map((r) => r.symbol)).toEqual(symbols);
          // Ranked 1…n, each row the one last sent for its symbol (as the reference model holds it)…
          expect(advanced!.rows).toEqual(heldRows);
          advanced!.rows.forEach((r, i) => {
            // …which differs from the truth only below the thresholds.
            expect(isMaterialChange(r, next[i]!)).toBe(false);
          });
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('engine publication', () => {
  it('publishes all 11 lists as snapshots at the first scan, even empty ones', () => {
    const e = engine();
    e.applySnapshot(ny('10:00'), [snapshotRow('A', { price: 10.5, prevClose: 10 })]);
    const { messages } = e.scan(ny('10:00'));
    expect(messages.map((m) => [m.list, m.type, m.seq])).toEqual(LIST_NAMES.map((l) => [l, 'snapshot', 1]));
    expect(messages.find((m) => m.list === 'gappers_up')).toMatchObject({ rows: [{ symbol: 'A', rank: 1 }] });
  });

  it('publishes only the lists that changed, with ts = the scan instant', () => {
    const e = engine();
    e.applySnapshot(ny('10:00'), [snapshotRow('A', { price: 10.5, prevClose: 10 })]);
    e.scan(ny('10:00'));
    expect(e.scan(ny('10:00:05')).messages).toEqual([]);
    e.applySnapshot(ny('10:00:10'), [snapshotRow('A', { price: 9, prevClose: 10 })]);
    const msgs = e.scan(ny('10:00:10')).messages;
    // anomalies, high_volume and reversals stay empty: no message for them.
    expect(msgs.map((m) => m.list)).toEqual([
      'gappers_up',
      'gappers_down',
      'momentum_up',
      'momentum_down',
      'winners',
      'losers',
      'new_highs',
      'new_lows',
    ]);
    expect(msgs.find((m) => m.list === 'new_lows')).toMatchObject({
      deltas: [{ action: 'update', symbol: 'A', fields: { price: 9 } }],
    });
    expect(msgs.every((m) => m.ts === new Date(ny('10:00:10')).toISOString())).toBe(true);
    expect(msgs.find((m) => m.list === 'gappers_up')).toMatchObject({
      type: 'delta',
      seq: 2,
      deltas: [{ action: 'remove', symbol: 'A' }],
    });
    expect(msgs.find((m) => m.list === 'gappers_down')).toMatchObject({
      type: 'delta',
      seq: 2,
      deltas: [{ action: 'add', symbol: 'A', rank: 1 }],
    });
  });
});
