import { describe, expect, it } from 'vitest';
import type { DeltaMessage, SnapshotMessage } from '../protocol/messages.js';
import { ListTracker, RESYNC_RETRY_MS } from './list-tracker.js';
import { row, TS } from '../../test/utils/gateway-fixture.js';

const snapshot = (seq: number, symbols: readonly string[], epoch = 'e1'): SnapshotMessage => ({
  type: 'snapshot',
  list: 'winners',
  epoch,
  seq,
  prevSeq: seq - 1,
  ts: TS,
  rows: symbols.map((s, i) => row(s, i + 1)),
});
const add = (seq: number, symbol: string, rank: number, epoch = 'e1', prevSeq = seq - 1): DeltaMessage => ({
  type: 'delta',
  list: 'winners',
  epoch,
  seq,
  prevSeq,
  ts: TS,
  deltas: [{ action: 'add', symbol, rank, row: row(symbol, rank) }],
});
const symbols = (t: ListTracker) => t.held?.rows.map((r) => r.symbol);

describe('ListTracker (the resync rule)', () => {
  it('applies a snapshot then deltas that follow it, and drops a repeated delta', () => {
    const t = new ListTracker();
    expect(t.apply(snapshot(1, ['A']), 0).kind).toBe('applied');
    expect(t.apply(add(2, 'B', 2), 0).kind).toBe('applied');
    expect(t.apply(add(2, 'B', 2), 0)).toEqual({ kind: 'ignored' });
    expect(symbols(t)).toEqual(['A', 'B']);
    expect(t.held?.seq).toBe(2);
  });

  it("merges an update's fields into the row it holds, keeping every other field (lean updates, SPEC §6)", () => {
    const t = new ListTracker();
    t.apply(snapshot(1, ['A', 'B']), 0);
    const before = t.held!.rows[1]!;
    const update: DeltaMessage = {
      type: 'delta',
      list: 'winners',
      epoch: 'e1',
      seq: 2,
      prevSeq: 1,
      ts: TS,
      deltas: [
        { action: 'rerank', symbol: 'B', oldRank: 2, newRank: 1 },
        { action: 'rerank', symbol: 'A', oldRank: 1, newRank: 2 },
        { action: 'update', symbol: 'B', rank: 1, fields: { price: 12.5, volumeToday: 9000 } },
      ],
    };
    expect(t.apply(update, 0).kind).toBe('applied');
    expect(t.held!.rows[0]).toEqual({ ...before, rank: 1, price: 12.5, volumeToday: 9000 });
    // An update of a symbol not held cannot be merged: the list is resynced.
    const orphan: DeltaMessage = {
      ...update,
      seq: 3,
      prevSeq: 2,
      deltas: [{ action: 'update', symbol: 'Z', rank: 1, fields: { price: 1 } }],
    };
    expect(t.apply(orphan, 0)).toEqual({ kind: 'resync', reason: 'invalid' });
  });

  it('asks for a resync on a gap, ignores deltas until a snapshot, and asks again only after the retry delay', () => {
    const t = new ListTracker();
    t.apply(snapshot(1, ['A']), 0);
    expect(t.apply(add(3, 'C', 2), 100)).toEqual({ kind: 'resync', reason: 'gap' });
    expect(t.awaitingSnapshot).toBe(true);
    expect(t.apply(add(4, 'D', 3), 200)).toEqual({ kind: 'ignored' });
    expect(t.checkSeq(4, 300)).toEqual({ kind: 'ignored' });
    expect(t.apply(add(5, 'E', 4), 100 + RESYNC_RETRY_MS)).toEqual({ kind: 'resync', reason: 'gap' });
    expect(symbols(t)).toEqual(['A']); // the last good rows stay while waiting
    expect(t.apply(snapshot(5, ['A', 'C', 'D', 'E']), 3200).kind).toBe('applied');
    expect(t.awaitingSnapshot).toBe(false);
    expect(t.apply(add(6, 'F', 5), 3300).kind).toBe('applied');
  });

  it('asks for a resync on a delta before any snapshot, of another epoch, or with ranks that do not add up', () => {
    expect(new ListTracker().apply(add(2, 'B', 1), 0)).toEqual({ kind: 'resync', reason: 'gap' });
    const epoch = new ListTracker();
    epoch.apply(snapshot(7, ['A']), 0);
    expect(epoch.apply(add(2, 'B', 2, 'e2'), 0)).toEqual({ kind: 'resync', reason: 'epoch' });
    const invalid = new ListTracker();
    invalid.apply(snapshot(1, ['A']), 0);
    expect(invalid.apply(add(2, 'B', 5), 0)).toEqual({ kind: 'resync', reason: 'invalid' });
  });

  it("takes a new epoch's snapshot at a lower seq but not an older snapshot of the same epoch", () => {
    const t = new ListTracker();
    t.apply(snapshot(9, ['A']), 0);
    expect(t.apply(snapshot(8, ['OLD']), 0)).toEqual({ kind: 'ignored' });
    expect(t.apply(snapshot(1, ['NEW'], 'e2'), 0).kind).toBe('applied');
    expect(symbols(t)).toEqual(['NEW']);
  });

  it('asks for a resync when a heartbeat announces a seq it has not received', () => {
    const t = new ListTracker();
    expect(t.checkSeq(3, 0)).toEqual({ kind: 'ignored' }); // nothing held yet: the subscribe brings it
    t.apply(snapshot(3, ['A']), 0);
    expect(t.checkSeq(3, 0)).toEqual({ kind: 'ignored' });
    expect(t.checkSeq(4, 0)).toEqual({ kind: 'resync', reason: 'behind' });
    t.reconnected();
    expect(t.awaitingSnapshot).toBe(false);
  });
});
