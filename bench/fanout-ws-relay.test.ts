import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LIST_NAMES } from '../shared/scan/lists.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { freshRedis, testRedisUrl } from '../test/utils/redis.js';
import { scanRow } from '../test/utils/scan-row.js';
import { waitFor } from '../test/utils/wait.js';
import { ReplayPublisher, type Recording } from './fanout-recording.js';
import { freePort, startNode, stopChild, waitForPort } from './fanout-procs.js';

const head = { epoch: 'rec', prevSeq: 0, ts: '2026-03-02T14:30:00.000Z' } as const;

/** Every list's snapshot, then a delta to `winners` each 100 ms. */
const recording: Recording = {
  spanMs: 300,
  scans: [
    {
      atMs: 0,
      messages: LIST_NAMES.map((list) => ({
        type: 'snapshot' as const,
        list,
        ...head,
        seq: 1,
        rows: list === 'winners' ? [scanRow('AAA', 1), scanRow('BBB', 2)] : [],
      })),
    },
    ...[1, 2, 3].map((k) => ({
      atMs: k * 100,
      messages: [
        {
          type: 'delta' as const,
          list: 'winners' as const,
          ...head,
          seq: k + 1,
          prevSeq: k,
          deltas: [
            {
              action: 'rerank' as const,
              symbol: 'AAA',
              oldRank: k % 2 === 1 ? 1 : 2,
              newRank: k % 2 === 1 ? 2 : 1,
            },
            {
              action: 'rerank' as const,
              symbol: 'BBB',
              oldRank: k % 2 === 1 ? 2 : 1,
              newRank: k % 2 === 1 ? 1 : 2,
            },
          ],
        },
      ],
    })),
  ],
};

describe('the fan-out bench ws relay', () => {
  it('sends a subscriber every list snapshot from the hash, then the deltas of each list in sequence', async () => {
    const { redis, keys, cleanup } = freshRedis();
    onCleanup(cleanup);
    const publisher = new ReplayPublisher(redis, keys.prefix, recording, 1);
    await publisher.publishFirst();
    const port = await freePort();
    const relay = startNode(
      path.join(import.meta.dirname, 'fanout-ws-relay.ts'),
      [String(port), testRedisUrl, keys.prefix],
      { env: process.env, placement: { cpus: undefined } },
    );
    onCleanup(() => stopChild(relay));
    let stderr = '';
    relay.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitForPort(port, relay, () => stderr);

    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    onCleanup(() => ws.terminate());
    const got: { type: string; list: string; seq: number; prevSeq: number }[] = [];
    ws.on('message', (data: Buffer) => got.push(JSON.parse(data.toString()) as (typeof got)[number]));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 'subscribe', lists: ['*'] }));
    await waitFor(() => got.length === LIST_NAMES.length, { what: 'every snapshot' });
    publisher.start();
    onCleanup(() => publisher.stop());
    await waitFor(() => got.filter((m) => m.type === 'delta').length >= 3, { what: 'three deltas' });

    expect(new Set(got.slice(0, LIST_NAMES.length).map((m) => `${m.type} ${m.list}`))).toEqual(
      new Set(LIST_NAMES.map((l) => `snapshot ${l}`)),
    );
    const winners = got.filter((m) => m.list === 'winners');
    expect(winners.map((m) => m.seq)).toEqual(winners.map((_, i) => i + 1));
  }, 30_000);
});
