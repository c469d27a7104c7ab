import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../utils/cleanup.js';
import { waitFor } from '../utils/wait.js';
import { keys, type Keys } from '../../shared/bus/keys.js';
import { createLogger } from '../../shared/logger.js';
import type { AggregateEvent } from '../../shared/vendor/aggregate-schema.js';
import { STREAM_FIELDS, type StreamAggregate } from '../../shared/bus/aggregates.js';
import { AggregateConsumer, type AggregateConsumerOptions } from '../../orchestrator/aggregate-consumer.js';
import { AggregateForwarder } from '../../feed/aggregate-forwarder.js';

/*
 * Both ends of the aggregates stream (shared/bus/aggregates.ts) in their real processes' classes: the feed's
 * forwarder writes, the orchestrator's consumer group reads. A test of two processes, so it lives here rather than
 * in either process folder (which may not import each other).
 */

const silent = createLogger('test', 'silent');
const S0 = Date.UTC(2026, 2, 2, 15, 0, 0);

let redis: Redis;
let k: Keys;

function bar(sym: string, i: number): AggregateEvent {
  return {
    ev: 'A',
    sym,
    v: 100,
    av: 1_000 + i,
    o: 10,
    c: 10 + i / 100,
    h: 11,
    l: 9,
    s: S0 + i * 1_000,
    e: S0 + (i + 1) * 1_000,
  };
}

function consumer(options: Partial<AggregateConsumerOptions> & Pick<AggregateConsumerOptions, 'handler'>) {
  const c = new AggregateConsumer({
    redis,
    keys: k,
    consumer: 'orchestrator-1',
    blockMs: 100,
    logger: silent,
    ...options,
  });
  onCleanup(() => c.stop());
  return c;
}

async function pendingCount(): Promise<number> {
  const [count] = (await redis.xpending(k.aggregatesStream, k.aggregatesGroup)) as [number];
  return count;
}

beforeEach(() => {
  const r = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
  const stream = keys(`test-${randomUUID()}`);
  [redis, k] = [r, stream];
  onCleanup(async () => {
    await r.del(stream.aggregatesStream);
    await r.quit();
  });
});

describe('aggregates stream (real Redis)', () => {
  it('delivers forwarded frames to the consumer in order, and acks empty the pending list', async () => {
    const received: StreamAggregate[] = [];
    const c = consumer({ handler: (batch) => void received.push(...batch) });
    await c.start();
    const forwarder = new AggregateForwarder({ redis, keys: k });

    await forwarder.forward([bar('AAPL', 0), bar('MSFT', 0)], S0 + 2_100);
    await forwarder.forward([bar('AAPL', 1), bar('MSFT', 1), bar('NVDA', 1)], S0 + 3_100);
    await forwarder.forward([bar('AAPL', 2)], S0 + 4_100);
    await waitFor(() => expect(received).toHaveLength(6));

    expect(received.map((r) => `${r.event.sym}@${r.event.s - S0}`)).toEqual([
      'AAPL@0',
      'MSFT@0',
      'AAPL@1000',
      'MSFT@1000',
      'NVDA@1000',
      'AAPL@2000',
    ]);
    expect(received[0]?.event).toEqual(bar('AAPL', 0));
    expect(received.map((r) => r.receivedAtMs)).toEqual(
      [2_100, 2_100, 3_100, 3_100, 3_100, 4_100].map((d) => S0 + d),
    );
    await waitFor(async () => expect(await pendingCount()).toBe(0));
    expect(c.stats()).toMatchObject({ delivered: 6, acked: 6, handlerErrors: 0 });
    expect(forwarder.forwarded).toBe(6);
  });

  it('creates the stream and the group when missing, and a second start finds them', async () => {
    expect(await redis.exists(k.aggregatesStream)).toBe(0);
    await consumer({ handler: () => undefined }).start();

    expect(await redis.exists(k.aggregatesStream)).toBe(1);
    const groups = (await redis.xinfo('GROUPS', k.aggregatesStream)) as unknown[][];
    expect(groups.map((g) => g[1])).toEqual([k.aggregatesGroup]);
    await expect(
      consumer({ consumer: 'orchestrator-2', handler: () => undefined }).start(),
    ).resolves.toBeUndefined();
  });

  it('lets a new consumer reclaim an entry that a crashed one read but never acked', async () => {
    await redis.xgroup('CREATE', k.aggregatesStream, k.aggregatesGroup, '$', 'MKSTREAM');
    await new AggregateForwarder({ redis, keys: k }).forward([bar('AAPL', 0), bar('MSFT', 0)]);
    // The crashed orchestrator: read, then gone without XACK.
    await redis.xreadgroup(
      'GROUP',
      k.aggregatesGroup,
      'crashed',
      'COUNT',
      10,
      'STREAMS',
      k.aggregatesStream,
      '>',
    );
    expect(await pendingCount()).toBe(2);

    const received: StreamAggregate[] = [];
    const c = consumer({ reclaimIdleMs: 50, reclaimEveryMs: 50, handler: (b) => void received.push(...b) });
    await c.start();
    await waitFor(() => expect(received.map((r) => r.event.sym)).toEqual(['AAPL', 'MSFT']));
    await waitFor(async () => expect(await pendingCount()).toBe(0));
    expect(c.stats().reclaimed).toBe(2);
  });

  it('leaves a batch pending when the handler fails, and delivers it again after reclaimIdleMs', async () => {
    let calls = 0;
    const received: string[] = [];
    const c = consumer({
      reclaimIdleMs: 100,
      reclaimEveryMs: 50,
      handler: (batch) => {
        calls++;
        if (calls === 1) throw new Error('engine busy');
        received.push(...batch.map((e) => e.event.sym));
      },
    });
    await c.start();
    await new AggregateForwarder({ redis, keys: k }).forward([bar('AAPL', 0)]);
    await waitFor(() => expect(c.stats().handlerErrors).toBe(1));
    expect(await pendingCount()).toBe(1);

    await waitFor(() => expect(received).toEqual(['AAPL']));
    await waitFor(async () => expect(await pendingCount()).toBe(0));
  });

  it('keeps the stream near maxLen with MAXLEN ~', async () => {
    const forwarder = new AggregateForwarder({ redis, keys: k, maxLen: 100 });
    for (let frame = 0; frame < 10; frame++) {
      await forwarder.forward(Array.from({ length: 100 }, (_, i) => bar(`S${i}`, frame)));
    }
    const length = await redis.xlen(k.aggregatesStream);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300);
  });

  it("trims the entries older than the retention, and resolves with the new entries' ids only", async () => {
    const old = await redis.xadd(k.aggregatesStream, '1000-0', STREAM_FIELDS.event, '{}');
    for (let i = 0; i < 150; i++)
      await redis.xadd(k.aggregatesStream, `${2000 + i}-0`, STREAM_FIELDS.event, '{}');
    const forwarder = new AggregateForwarder({ redis, keys: k, retentionMs: 60_000 });
    const ids = await forwarder.forward([bar('AAPL', 0), bar('MSFT', 0)]);

    const left = (await redis.xrange(k.aggregatesStream, '-', '+')).map(([id]) => id);
    expect(left).not.toContain(old);
    // `~` trims whole macro-nodes (100 entries): the node holding the new entries stays whole.
    expect(left.length).toBeLessThanOrEqual(102);
    expect(left.slice(-2)).toEqual(ids);
  });

  it('acknowledges and counts an entry it cannot decode, and delivers the good ones around it', async () => {
    const forwarder = new AggregateForwarder({ redis, keys: k });
    await forwarder.forward([bar('AAPL', 0)]);
    await redis.xadd(
      k.aggregatesStream,
      '*',
      STREAM_FIELDS.event,
      '{"ev":"A","sym":',
      STREAM_FIELDS.receivedAt,
      '1',
    );
    await forwarder.forward([bar('MSFT', 0)]);

    const received: string[] = [];
    const c = consumer({ startId: '0', handler: (b) => void received.push(...b.map((e) => e.event.sym)) });
    await c.start();
    await waitFor(() => expect(received).toEqual(['AAPL', 'MSFT']));
    await waitFor(async () => expect(await pendingCount()).toBe(0));
    expect(c.stats().malformed).toBe(1);
  });
});
