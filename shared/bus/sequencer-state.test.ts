import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../../test/utils/redis.js';
import { scanRow } from '../../test/utils/scan-row.js';
import { ListSequencer } from '../scan/deltas.js';
import { loadSequencerState, putSequencerState } from './sequencer-state.js';

describe('the sequencer state contract (real Redis)', () => {
  let r: ReturnType<typeof freshRedis>;
  beforeEach(() => {
    r = freshRedis();
  });
  afterEach(() => r.cleanup());

  it('loads back the state the writer stored', async () => {
    const sequencer = new ListSequencer(() => 'epoch-1');
    sequencer.publish('winners', [scanRow('AAPL', 1)], '2026-03-02T15:00:00.000Z');
    const state = sequencer.state()!;
    const multi = r.redis.multi();
    putSequencerState(multi, r.keys, state);
    await multi.exec();
    expect(await loadSequencerState(r.redis, r.keys)).toEqual(state);
  });

  it('loads nothing when none was stored or it is unreadable', async () => {
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
    await r.redis.set(r.keys.sequencerState, '{not json');
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
    await r.redis.set(r.keys.sequencerState, JSON.stringify({ epoch: 'e', lists: {} }));
    expect(await loadSequencerState(r.redis, r.keys)).toBeNull();
  });
});
