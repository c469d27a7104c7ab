import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../../test/utils/redis.js';
import { scanRow } from '../../test/utils/scan-row.js';
import { ListSequencer, type SequencerState } from '../scan/deltas.js';
import { LIST_NAMES, type ListName } from '../scan/lists.js';
import { readListSnapshot } from './list-snapshots.js';
import { loadSequencerState, putSequencerState } from './sequencer-state.js';

const TS = '2026-03-02T15:00:00.000Z';

/** A sequencer that published every list once, then moved AAPL's price in `winners`. */
function published(): { sequencer: ListSequencer; first: SequencerState; second: SequencerState } {
  const sequencer = new ListSequencer(() => 'epoch-1');
  for (const l of LIST_NAMES) sequencer.publish(l, [scanRow('AAPL', 1), scanRow('MSFT', 2)], TS);
  const first = sequencer.state()!;
  sequencer.publish('winners', [scanRow('AAPL', 1, { price: 11 }), scanRow('MSFT', 2)], TS);
  return { sequencer, first, second: sequencer.state()! };
}

describe('the sequencer state contract (real Redis)', () => {
  let r: ReturnType<typeof freshRedis>;
  beforeEach(() => {
    r = freshRedis();
  });
  afterEach(() => r.cleanup());

  const put = async (state: SequencerState, changed: Iterable<ListName>) => {
    const multi = r.redis.multi();
    putSequencerState(multi, r.keys, state, changed, TS);
    await multi.exec();
  };

  it('loads back the state the writer stored, its rows from the lists with a message', async () => {
    const { first, second } = published();
    await put(first, LIST_NAMES);
    expect(await loadSequencerState(r.redis, r.keys)).toEqual(first);
    // Only winners changed: its snapshot is rewritten, the others' stored rows still hold.
    await put(second, ['winners']);
    const loaded = await loadSequencerState(r.redis, r.keys);
    expect(loaded).toEqual(second);
    expect(loaded!.lists.winners.rows[0]).toMatchObject({ symbol: 'AAPL', price: 11 });
    const stored = await readListSnapshot(r.redis, r.keys, 'winners');
    expect(stored).toMatchObject({ ok: true, msg: { seq: 2, prevSeq: 1, epoch: 'epoch-1' } });
  });

  it('loads nothing when none was stored or it is unreadable', async () => {
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
    await r.redis.set(r.keys.sequencerState, '{not json');
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
    await r.redis.set(r.keys.sequencerState, JSON.stringify({ format: 2, epoch: 'e', seqs: {} }));
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
  });

  it('treats the first format (4 material fields per symbol, no rows) as unknown: a new epoch', async () => {
    const { first } = published();
    await put(first, LIST_NAMES);
    const old = {
      epoch: 'epoch-1',
      lists: Object.fromEntries(
        LIST_NAMES.map((l) => [
          l,
          {
            seq: 1,
            symbols: ['AAPL'],
            sent: { AAPL: { price: 10, volumeToday: 1, changePercent: 1, rvol: 1 } },
          },
        ]),
      ),
    };
    await r.redis.set(r.keys.sequencerState, JSON.stringify(old));
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
  });

  it('loads nothing when a list snapshot is missing or of another seq or epoch than the key', async () => {
    const { first, second } = published();
    await put(first, LIST_NAMES);
    // The key says winners is at seq 2, its stored snapshot is still seq 1 (never so written by one MULTI).
    await put(second, []);
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
    await put(second, ['winners']);
    expect(await loadSequencerState(r.redis, r.keys)).not.toBeNull();
    await r.redis.hdel(r.keys.listSnapshots, r.keys.listField('anomalies'));
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
  });
});
