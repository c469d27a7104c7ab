import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshRedis } from '../test/utils/redis.js';
import { scanRow } from '../test/utils/scan-row.js';
import { streamMemoryBound, streamMemoryUsage } from '../test/utils/stream-memory.js';
import type { ScanRow } from '../shared/protocol/messages.js';
import { ListSequencer } from '../shared/scan/deltas.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import { Publisher } from './publisher.js';

/*
 * The list-messages stream's memory stays under the bound docs/redis-memory.md documents, over a run many
 * retentions long, through the real publication path (ListSequencer → Publisher's MULTI → Redis's `MINID ~`).
 *
 * The retention is measured against the entries' ids, which are Redis's clock: no test can speed that clock up,
 * so the run is shortened by scaling the retention instead (1.5 s kept, 20 s published: 13 retentions — what
 * matters for a bound is the steady state, which a run reaches after one retention whatever its length). The
 * bench (bench/redis-memory.bench.ts) runs the real orchestrator at the real retention for the MB per hour.
 */

const RETENTION_MS = 1500;
const RUN_MS = 20_000;
const SAMPLE_EVERY_MS = 250;

/** One publication as the test saw it: when its EXEC had returned, and its entries' JSON sizes. */
interface Published {
  readonly at: number;
  readonly bytes: readonly number[];
}

function rowsOf(list: number, round: number): ScanRow[] {
  // Prices move every round (updates), and one symbol in five is replaced every few rounds (adds and removes).
  return Array.from({ length: 20 }, (_, i) => {
    const symbol = `S${list}-${i}-${Math.floor((round + i) / 5) % 3}`;
    return scanRow(symbol, i + 1, {
      companyName: `${symbol} Holdings Inc.`,
      price: 10 + ((round * 7 + i) % 100) / 100,
      changePercent: ((round + i) % 50) / 10,
      volumeToday: 1_000_000 + round * 100 + i,
      rvol: 1 + (round % 10) / 10,
      sector: 'Technology',
      exchange: 'XNAS',
    });
  });
}

describe('the list-messages stream under a long publication run (real Redis, the Publisher)', () => {
  let r: ReturnType<typeof freshRedis>;
  beforeEach(() => {
    r = freshRedis();
  });
  afterEach(() => r.cleanup());

  it('keeps its memory under the bound computed from the retention, whatever was published in all', async () => {
    const publisher = new Publisher(r.redis, r.keys, { retentionMs: RETENTION_MS, maxLen: 1_000_000 });
    const sequencer = new ListSequencer(() => 'epoch-memory');
    const published: Published[] = [];
    const samples: { xlen: number; bytes: number; bound: { entries: number; bytes: number } }[] = [];
    const start = Date.now();
    let nextSample = start + RETENTION_MS;
    for (let round = 0; Date.now() - start < RUN_MS; round++) {
      // A scan changes a few lists (a busy hot-rescan cadence); one in twenty changes them all.
      const lists = round % 20 === 0 ? LIST_NAMES : LIST_NAMES.filter((_, i) => (i + round) % 4 === 0);
      const ts = new Date(start + round * 250).toISOString();
      const messages = lists.flatMap(
        (l) => sequencer.publish(l, rowsOf(LIST_NAMES.indexOf(l), round), ts) ?? [],
      );
      const startedAt = Date.now();
      await publisher.publish({ ts, messages, state: sequencer.state()! });
      published.push({ at: Date.now(), bytes: messages.map((m) => Buffer.byteLength(JSON.stringify(m))) });
      if (Date.now() >= nextSample) {
        const [xlen, bytes] = await Promise.all([
          r.redis.xlen(r.keys.messagesStream),
          streamMemoryUsage(r.redis, r.keys.messagesStream),
        ]);
        samples.push({
          xlen,
          bytes,
          bound: await streamMemoryBound(r.redis, published, startedAt, RETENTION_MS),
        });
        nextSample = Date.now() + SAMPLE_EVERY_MS;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }

    expect(samples.length).toBeGreaterThan(20);
    for (const s of samples) {
      expect(s.xlen).toBeLessThanOrEqual(s.bound.entries);
      expect(s.bytes).toBeLessThanOrEqual(s.bound.bytes);
    }
    // Without the trimming the stream would hold everything published: many times the bound.
    const total = published.reduce((n, p) => n + p.bytes.length, 0);
    expect(total).toBeGreaterThan(8 * Math.max(...samples.map((s) => s.xlen)));
  }, 60_000);
});
