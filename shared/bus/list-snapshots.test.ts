import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../../test/utils/redis.js';
import { scanRow } from '../../test/utils/scan-row.js';
import type { SnapshotMessage } from '../protocol/messages.js';
import { appendListMessage, BadListMessage } from './list-messages.js';
import {
  newestPublishedTs,
  putListSnapshot,
  readListSnapshot,
  readListSnapshots,
  readListSnapshotsAndLastId,
} from './list-snapshots.js';

const snap = (list: SnapshotMessage['list'], seq: number): SnapshotMessage => ({
  type: 'snapshot',
  list,
  epoch: 'e1',
  seq,
  prevSeq: seq - 1,
  ts: '2026-03-02T15:00:00.000Z',
  rows: [scanRow('AAPL', 1)],
});

describe('the list snapshots hash contract (real Redis)', () => {
  let r: ReturnType<typeof freshRedis>;
  beforeEach(() => {
    r = freshRedis();
  });
  afterEach(() => r.cleanup());

  it('reads back each list’s snapshot as written, with the stream’s last id from the same MULTI', async () => {
    expect(await readListSnapshotsAndLastId(r.redis, r.keys)).toEqual({
      snapshots: {},
      lastMessageId: '0-0',
    });
    const multi = r.redis.multi();
    putListSnapshot(multi, r.keys, snap('winners', 3));
    putListSnapshot(multi, r.keys, snap('losers', 1));
    appendListMessage(multi, r.keys, snap('losers', 1), 0);
    await multi.exec();
    const lastId = (await r.redis.xrevrange(r.keys.messagesStream, '+', '-', 'COUNT', 1))[0]![0];

    const { snapshots, lastMessageId } = await readListSnapshotsAndLastId(r.redis, r.keys);
    expect(lastMessageId).toBe(lastId);
    expect(Object.keys(snapshots).sort()).toEqual(['losers', 'winners']);
    expect(snapshots.winners).toMatchObject({ ok: true, msg: snap('winners', 3) });
    expect(await readListSnapshots(r.redis, r.keys)).toEqual(snapshots);
    expect(await readListSnapshot(r.redis, r.keys, 'losers')).toEqual(snapshots.losers);
    expect(await readListSnapshot(r.redis, r.keys, 'gappers_up')).toBeUndefined();
  });

  it('reports a stored snapshot that does not parse, or is another list’s, as bad', async () => {
    await r.redis.hset(r.keys.listSnapshots, r.keys.listField('winners'), '{not json');
    await r.redis.hset(r.keys.listSnapshots, r.keys.listField('losers'), JSON.stringify(snap('winners', 1)));
    const stored = await readListSnapshots(r.redis, r.keys);
    for (const s of [stored.winners, stored.losers]) {
      expect(s?.ok).toBe(false);
      expect(!s?.ok && s?.error).toBeInstanceOf(BadListMessage);
    }
  });

  it('finds the newest ts among the stored snapshots, skipping unreadable ones', async () => {
    expect(await newestPublishedTs(r.redis, r.keys)).toBeUndefined();
    const multi = r.redis.multi();
    putListSnapshot(multi, r.keys, snap('winners', 3));
    putListSnapshot(multi, r.keys, { ...snap('losers', 1), ts: '2026-03-02T15:00:07.500Z' });
    await multi.exec();
    await r.redis.hset(r.keys.listSnapshots, r.keys.listField('anomalies'), '{not json');
    expect(await newestPublishedTs(r.redis, r.keys)).toBe(Date.parse('2026-03-02T15:00:07.500Z'));
  });
});
