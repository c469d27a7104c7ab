import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import type { AggregateEvent } from '../shared/vendor/aggregate-schema.js';
import { PrivateRedis } from '../test/utils/redis-server.js';
import { freshRedis } from '../test/utils/redis.js';
import { STREAM_FIELDS } from '../shared/bus/aggregates.js';
import { AggregateForwarder } from './aggregate-forwarder.js';
import { ForwardQueue } from './forward-queue.js';

/** Waits here span a Redis restart and its reconnect backoff: longer than waitFor's default on a busy machine. */
const slow = { timeoutMs: 10_000 };

const logger = createLogger('test', 'silent');
const S0 = Date.UTC(2026, 2, 2, 15, 0, 0);

function bar(sym: string, i: number): AggregateEvent {
  return {
    ev: 'A',
    sym,
    v: 100,
    av: 1_000 + i,
    o: 10,
    c: 10,
    h: 11,
    l: 9,
    s: S0 + i * 1_000,
    e: S0 + (i + 1) * 1_000,
  };
}

/** A frame of `size` bars, all stamped `i`. */
const frame = (i: number, size: number) => Array.from({ length: size }, (_, j) => bar(`S${j}`, i));

describe('the bounded forwarding buffer (feed → Redis stream)', () => {
  it('writes frames in order, several per pipeline, with each frame’s receive time', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const queue = new ForwardQueue({
      writer: new AggregateForwarder({ redis: r.redis, keys: r.keys }),
      logger,
      maxBatchEvents: 7,
    });
    for (let i = 0; i < 50; i++) expect(queue.push(frame(i, 3), S0 + i)).toBe(true);
    await waitFor(() => expect(queue.stats()).toMatchObject({ forwarded: 150, pendingEvents: 0 }), slow);

    const entries = await r.redis.xrange(r.keys.aggregatesStream, '-', '+');
    const read = entries.map(([, f]) => {
      const event = JSON.parse(f[f.indexOf(STREAM_FIELDS.event) + 1]!) as AggregateEvent;
      return `${event.sym}@${(event.s - S0) / 1_000}/${Number(f[f.indexOf(STREAM_FIELDS.receivedAt) + 1]) - S0}`;
    });
    expect(read).toEqual(
      Array.from({ length: 50 }, (_, i) => [0, 1, 2].map((j) => `S${j}@${i}/${i}`)).flat(),
    );
  });

  it('caps what waits for a Redis that is down, counts what it drops, and resumes when Redis returns', async () => {
    const server = new PrivateRedis();
    await server.start();
    onCleanup(() => server.stop());
    const redis = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    redis.on('error', () => undefined); // refused reconnects while the server is down
    onCleanup(() => redis.disconnect());
    const k = keys(`test-${randomUUID()}`);
    const queue = new ForwardQueue({
      writer: new AggregateForwarder({ redis, keys: k }),
      logger,
      maxPendingEvents: 100,
      maxInFlight: 2,
      maxBatchEvents: 20,
    });

    queue.push(frame(0, 5), S0);
    await waitFor(() => expect(queue.stats().forwarded).toBe(5), slow);

    await server.stop();
    await waitFor(() => expect(redis.status).not.toBe('ready'), slow);
    let accepted = 0;
    let maxPending = 0;
    for (let i = 1; i <= 200; i++) {
      if (queue.push(frame(i, 5), S0 + i)) accepted += 5;
      maxPending = Math.max(maxPending, queue.stats().pendingEvents);
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const down = queue.stats();
    expect(maxPending).toBeLessThanOrEqual(100);
    expect(accepted).toBe(100);
    expect(down).toMatchObject({ forwarded: 5, droppedEvents: 900, droppedFrames: 180, pendingEvents: 100 });
    expect(down.inFlight).toBe(2);

    await server.start();
    await waitFor(
      () => expect(queue.stats()).toMatchObject({ forwarded: 105, pendingEvents: 0, inFlight: 0 }),
      slow,
    );
    expect(queue.push(frame(300, 5), S0 + 300)).toBe(true);
    await waitFor(() => expect(queue.stats().forwarded).toBe(110), slow);
    // The restarted server kept nothing from before the outage: what it holds came through the buffer.
    expect(await redis.xlen(k.aggregatesStream)).toBe(105);
    expect(queue.stats()).toMatchObject({ droppedEvents: 900, failedEvents: 0 });
  }, 30_000);
});
