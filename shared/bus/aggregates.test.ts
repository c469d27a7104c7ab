import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../../test/utils/redis.js';
import type { AggregateEvent } from '../vendor/aggregate-schema.js';
import {
  appendAggregates,
  decodeAggregateEntry,
  ensureAggregatesGroup,
  readAggregates,
  STREAM_FIELDS,
} from './aggregates.js';

const S0 = Date.UTC(2026, 2, 2, 15, 0, 0);
const bar = (sym: string): AggregateEvent => ({
  ev: 'A',
  sym,
  v: 100,
  av: 1_000,
  o: 10,
  c: 10.5,
  h: 11,
  l: 9,
  s: S0,
  e: S0 + 1_000,
});

describe('the aggregates stream contract (real Redis)', () => {
  let r: ReturnType<typeof freshRedis>;
  beforeEach(() => {
    r = freshRedis();
  });
  afterEach(() => r.cleanup());

  it('delivers to the group, decoded and in order, the events the writer appended', async () => {
    await ensureAggregatesGroup(r.redis, r.keys, '$');
    await ensureAggregatesGroup(r.redis, r.keys, '$'); // an existing group is kept, not an error
    const pipeline = r.redis.pipeline();
    appendAggregates(pipeline, r.keys, [bar('AAPL'), bar('MSFT')], S0 + 5);
    await pipeline.exec();

    const entries = await readAggregates(r.redis, r.keys, 'c1', { count: 10, blockMs: 100 });
    const decoded = entries.map(([id, fields]) => decodeAggregateEntry(id, fields));
    expect(decoded.map((d) => d?.event)).toEqual([bar('AAPL'), bar('MSFT')]);
    expect(decoded.map((d) => d?.receivedAtMs)).toEqual([S0 + 5, S0 + 5]);
  });

  it('decodes nothing from an entry that is not an aggregate', () => {
    expect(decodeAggregateEntry('1-0', [STREAM_FIELDS.event, '{"ev":"A","sym":'])).toBeUndefined();
    expect(decodeAggregateEntry('1-0', [STREAM_FIELDS.event, '{"ev":"T"}'])).toBeUndefined();
    expect(decodeAggregateEntry('1-0', [STREAM_FIELDS.receivedAt, '1'])).toBeUndefined();
    expect(decodeAggregateEntry('1-0', null)).toBeUndefined();
  });
});
