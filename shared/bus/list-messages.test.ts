import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../../test/utils/redis.js';
import { scanRow } from '../../test/utils/scan-row.js';
import type { ListMessage } from '../protocol/messages.js';
import {
  appendListMessage,
  appendListMessages,
  BadListMessage,
  LIST_MESSAGE_FIELD,
  readFollowedListMessages,
  readListMessages,
} from './list-messages.js';

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
    appendListMessage(multi, r.keys, snapshot, 0);
    appendListMessage(multi, r.keys, delta, 0);
    await multi.exec();

    const entries = await readListMessages(r.redis, r.keys, '0-0', { count: 10 });
    expect(entries.map((e) => e.ok && e.message)).toEqual([snapshot, delta]);
    expect(entries.map((e) => e.ok && (JSON.parse(e.json) as ListMessage))).toEqual([snapshot, delta]);
    expect(await readListMessages(r.redis, r.keys, entries[1]!.id, { count: 10 })).toEqual([]);
  });

  it('reports a bad entry as bad, with its id, between the good ones', async () => {
    const multi = r.redis.multi();
    appendListMessage(multi, r.keys, snapshot, 0);
    await multi.exec();
    const notJson = await r.redis.xadd(r.keys.messagesStream, '*', LIST_MESSAGE_FIELD, '{"type":');
    const invalid = await r.redis.xadd(r.keys.messagesStream, '*', LIST_MESSAGE_FIELD, '{"type":"nope"}');
    const noField = await r.redis.xadd(r.keys.messagesStream, '*', 'x', '{}');

    const entries = await readListMessages(r.redis, r.keys, '0-0', { count: 10 });
    expect(entries.map((e) => e.ok)).toEqual([true, false, false, false]);
    expect(entries.slice(1).map((e) => e.id)).toEqual([notJson, invalid, noField]);
    for (const e of entries.slice(1)) expect(!e.ok && e.error).toBeInstanceOf(BadListMessage);
  });

  it('skips unparsed the entries of lists a reader does not follow, with their ids, and parses the rest', async () => {
    const multi = r.redis.multi();
    appendListMessage(multi, r.keys, snapshot, 0);
    await multi.exec();
    // Not valid as a whole: had it been parsed, it would come back as bad.
    const unfollowed = await r.redis.xadd(
      r.keys.messagesStream,
      '*',
      LIST_MESSAGE_FIELD,
      '{"type":"delta","list":"scan:s000000000001","epoch":',
    );
    const followed = await r.redis.xadd(
      r.keys.messagesStream,
      '*',
      LIST_MESSAGE_FIELD,
      '{"type":"delta","list":"scan:s000000000002","epoch":',
    );

    const wanted = (list: string) => list !== 'scan:s000000000001';
    const entries = await readFollowedListMessages(r.redis, r.keys, '0-0', { count: 10 }, wanted);
    expect(entries.map((e) => e.ok)).toEqual([true, 'skipped', false]);
    expect(entries.slice(1).map((e) => e.id)).toEqual([unfollowed, followed]);
  });

  it('trims the entries older than the retention, by their ids', async () => {
    const old = await r.redis.xadd(
      r.keys.messagesStream,
      '1000-0',
      LIST_MESSAGE_FIELD,
      JSON.stringify(snapshot),
    );
    for (let i = 0; i < 150; i++)
      await r.redis.xadd(
        r.keys.messagesStream,
        `${2000 + i}-0`,
        LIST_MESSAGE_FIELD,
        JSON.stringify(snapshot),
      );
    const multi = r.redis.multi();
    appendListMessages(multi, r.keys, [delta], { retentionMs: 60_000, maxLen: 100_000 }, Date.now());
    await multi.exec();
    const ids = (await r.redis.xrange(r.keys.messagesStream, '-', '+')).map(([id]) => id);
    // `~` trims whole macro-nodes: at most one node (100 entries) of old ones may stay, never the first node.
    expect(ids).not.toContain(old);
    expect(ids.length).toBeLessThanOrEqual(101);
    expect(Number(ids.at(-1)!.split('-')[0])).toBeGreaterThan(Date.now() - 60_000);
  });

  it("caps the stream near the count backstop whatever the entries' age", async () => {
    for (let i = 0; i < 10; i++) {
      const multi = r.redis.multi();
      appendListMessages(
        multi,
        r.keys,
        Array(100).fill(snapshot),
        { retentionMs: 3_600_000, maxLen: 100 },
        Date.now(),
      );
      await multi.exec();
    }
    expect(await r.redis.xlen(r.keys.messagesStream)).toBeLessThan(300);
  });

  it('appends nothing and trims nothing for a scan without messages', async () => {
    await r.redis.xadd(r.keys.messagesStream, '1000-0', LIST_MESSAGE_FIELD, JSON.stringify(snapshot));
    const multi = r.redis.multi();
    appendListMessages(multi, r.keys, [], { retentionMs: 1, maxLen: 100 }, Date.now());
    expect(await multi.exec()).toEqual([]);
    expect(await r.redis.xlen(r.keys.messagesStream)).toBe(1);
  });
});
