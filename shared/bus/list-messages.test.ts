import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../../test/utils/redis.js';
import { scanRow } from '../../test/utils/scan-row.js';
import type { ListMessage } from '../protocol/messages.js';
import { appendListMessage, BadListMessage, LIST_MESSAGE_FIELD, readListMessages } from './list-messages.js';

const snapshot: ListMessage = {
  type: 'snapshot',
  list: 'gappers_up',
  epoch: 'e1',
  seq: 1,
  prevSeq: 0,
  ts: '2026-03-02T15:00:00.000Z',
  rows: [scanRow('AAPL', 1)],
};
const delta: ListMessage = {
  type: 'delta',
  list: 'gappers_up',
  epoch: 'e1',
  seq: 2,
  prevSeq: 1,
  ts: '2026-03-02T15:00:05.000Z',
  deltas: [{ action: 'remove', symbol: 'AAPL' }],
};

describe('the list-messages stream contract (real Redis)', () => {
  let r: ReturnType<typeof freshRedis>;
  beforeEach(() => {
    r = freshRedis();
  });
  afterEach(() => r.cleanup());

  it('reads back, in order and equal, the messages the writer appended', async () => {
    const multi = r.redis.multi();
    appendListMessage(multi, r.keys, snapshot);
    appendListMessage(multi, r.keys, delta);
    await multi.exec();

    const entries = await readListMessages(r.redis, r.keys, '0-0', { count: 10 });
    expect(entries.map((e) => e.ok && e.message)).toEqual([snapshot, delta]);
    expect(entries.map((e) => e.ok && (JSON.parse(e.json) as ListMessage))).toEqual([snapshot, delta]);
    expect(await readListMessages(r.redis, r.keys, entries[1]!.id, { count: 10 })).toEqual([]);
  });

  it('reports a bad entry as bad, with its id, between the good ones', async () => {
    const multi = r.redis.multi();
    appendListMessage(multi, r.keys, snapshot);
    await multi.exec();
    const notJson = await r.redis.xadd(r.keys.messagesStream, '*', LIST_MESSAGE_FIELD, '{"type":');
    const invalid = await r.redis.xadd(r.keys.messagesStream, '*', LIST_MESSAGE_FIELD, '{"type":"nope"}');
    const noField = await r.redis.xadd(r.keys.messagesStream, '*', 'x', '{}');

    const entries = await readListMessages(r.redis, r.keys, '0-0', { count: 10 });
    expect(entries.map((e) => e.ok)).toEqual([true, false, false, false]);
    expect(entries.slice(1).map((e) => e.id)).toEqual([notJson, invalid, noField]);
    for (const e of entries.slice(1)) expect(!e.ok && e.error).toBeInstanceOf(BadListMessage);
  });

  it('caps the stream near the given MAXLEN', async () => {
    for (let i = 0; i < 10; i++) {
      const multi = r.redis.multi();
      for (let j = 0; j < 100; j++) appendListMessage(multi, r.keys, snapshot, 100);
      await multi.exec();
    }
    expect(await r.redis.xlen(r.keys.messagesStream)).toBeLessThan(300);
  });
});
