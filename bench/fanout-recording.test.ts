import { describe, expect, it } from 'vitest';
import { parseListMessageEntry } from '../shared/bus/list-messages.js';
import { readListSnapshots } from '../shared/bus/list-snapshots.js';
import { advanceSnapshot } from '../shared/protocol/advance.js';
import type { ListMessage, SnapshotMessage } from '../shared/protocol/messages.js';
import type { AnyListName as ListName } from '../shared/protocol/messages.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { freshRedis } from '../test/utils/redis.js';
import { scanRow } from '../test/utils/scan-row.js';
import { waitFor } from '../test/utils/wait.js';
import { ReplayPublisher, type Recording } from './fanout-recording.js';

const head = { epoch: 'rec', seq: 1, prevSeq: 0, ts: '2026-03-02T14:30:00.000Z' } as const;

/** Two lists' snapshots, then two scans of deltas to `winners`, 100 ms apart. */
const recording: Recording = {
  spanMs: 200,
  scans: [
    {
      atMs: 0,
      messages: [
        { type: 'snapshot', list: 'winners', ...head, rows: [scanRow('AAA', 1), scanRow('BBB', 2)] },
        { type: 'snapshot', list: 'losers', ...head, rows: [] },
      ],
    },
    {
      atMs: 100,
      messages: [
        {
          type: 'delta',
          list: 'winners',
          ...head,
          seq: 2,
          prevSeq: 1,
          deltas: [
            { action: 'rerank', symbol: 'AAA', oldRank: 1, newRank: 2 },
            { action: 'rerank', symbol: 'BBB', oldRank: 2, newRank: 1 },
          ],
        },
      ],
    },
    {
      atMs: 200,
      messages: [
        {
          type: 'delta',
          list: 'winners',
          ...head,
          seq: 3,
          prevSeq: 2,
          deltas: [{ action: 'add', symbol: 'CCC', rank: 3, row: scanRow('CCC', 3) }],
        },
      ],
    },
  ],
};

describe('the fan-out replay publisher', () => {
  it('writes entries whose ts is the stream id time, in one sequence per list across loops, with the hash in step', async () => {
    const { redis, keys, cleanup } = freshRedis();
    onCleanup(cleanup);
    // 50× the recorded pace: a loop of the 200 ms recording (plus the 5 s pause between loops) takes ≈ 104 ms.
    const publisher = new ReplayPublisher(redis, keys.prefix, recording, 50);
    await publisher.publishFirst();
    publisher.start();
    onCleanup(() => publisher.stop());
    await waitFor(async () => (await redis.xlen(keys.messagesStream)) >= 10, { timeoutMs: 10_000 });
    await publisher.stop();

    const entries = await redis.xrange(keys.messagesStream, '-', '+');
    const held = new Map<ListName, SnapshotMessage>();
    const seqs: Record<string, number[]> = {};
    for (const [id, fields] of entries) {
      const parsed = parseListMessageEntry(id, fields);
      if (!parsed.ok) throw parsed.error;
      const msg: ListMessage = parsed.message;
      expect(Date.parse(msg.ts)).toBe(Number(id.split('-')[0]));
      expect(msg.prevSeq).toBe(msg.seq - 1);
      (seqs[msg.list] ??= []).push(msg.seq);
      // What a gateway does with each entry: none may be a gap (which would make it reload the list).
      const next = advanceSnapshot(held.get(msg.list), msg);
      expect(next, `${msg.list} seq ${msg.seq}`).not.toBe('gap');
      if (next !== 'gap' && next !== 'stale') held.set(msg.list, next);
    }
    const winners = seqs.winners!;
    expect(winners).toEqual(winners.map((_, i) => i + 1));
    expect(winners.length).toBeGreaterThan(3); // it looped: the first snapshot again, sequence continued
    const stored = await readListSnapshots(redis, keys);
    for (const list of ['winners', 'losers'] as const) {
      const s = stored[list];
      if (!s?.ok) throw new Error(`no stored ${list}`);
      expect(s.msg).toEqual(held.get(list));
    }
  });
});
