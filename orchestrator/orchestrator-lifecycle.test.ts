import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';
import { DAY, metadata, ny } from '../test/utils/market.js';
import {
  GatedPool,
  MemoryJobs,
  orchestratorFor,
  publishedRows,
  ScriptedSource,
  snap,
} from '../test/utils/orchestrator.js';
import { freshRedis, streamMessages } from '../test/utils/redis.js';
import type { MarketEvent, MarketSource } from './market-source.js';
import type { Orchestrator } from './orchestrator.js';
import { staticReferenceData } from './reference-data.js';
import { ScanPool } from './scan-pool.js';

const twoTickers = staticReferenceData({ metadata: [metadata('AAA'), metadata('BBB')] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Orchestrator lifecycle, queue and failures', () => {
  function redis() {
    const r = freshRedis();
    onCleanup(r.cleanup);
    return r;
  }

  function track(o: Orchestrator): Orchestrator {
    onCleanup(() => o.stop());
    return o;
  }

  it('never starts the source when stop() is called while start() is still loading', async () => {
    const source = new ScriptedSource();
    let release!: (m: TickerMetadata[]) => void;
    const slowMetadata = new Promise<TickerMetadata[]>((resolve) => (release = resolve));
    const o = track(
      orchestratorFor(redis(), source, { reference: { ...twoTickers, loadMetadata: () => slowMetadata } }),
    );
    const starting = o.start();
    const stopping = o.stop();
    release([]);
    await Promise.all([starting, stopping]);
    expect(source.started).toBe(false);
    await expect(o.start()).rejects.toThrow(/cannot start an orchestrator that is stopped/);
  });

  it('writes the volume slot in progress when stopped gracefully', async () => {
    const source = new ScriptedSource();
    const jobs = new MemoryJobs();
    const o = orchestratorFor(redis(), source, { jobs });
    await o.start();
    source.push(
      snap('10:02', [
        ['AAA', 10, 10],
        ['BBB', 5, 5],
      ]),
    );
    await waitFor(() => o.counters.scans === 1);
    expect(jobs.slots).toEqual([]);
    await o.stop();
    // 10:02 is in slot 72 (10:00–10:05): not ended, but its volumes as they stand are not lost.
    expect(jobs.slots).toEqual([{ date: DAY, slot: 72, count: 2 }]);
  });

  it('applies and acknowledges what the source delivers while stopping, and neither after it stopped', async () => {
    const acked: string[] = [];
    const bar = (sym: string, c: number): MarketEvent => ({
      kind: 'aggregates',
      at: ny('10:00:01'),
      events: [{ sym, c, av: 20_000 }],
      ack: () => {
        acked.push(sym);
        return Promise.resolve();
      },
    });
    let sink: (e: MarketEvent) => void = () => {};
    // Like the stream consumer: a handler in progress when stop() is called still delivers its batch.
    const source: MarketSource = {
      name: 'stopping',
      start: (s) => {
        sink = s;
        return Promise.resolve();
      },
      stop: () => {
        sink(bar('AAA', 11));
        return Promise.resolve();
      },
    };
    const r = redis();
    const o = orchestratorFor(r, source, { reference: twoTickers });
    await o.start();
    sink(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => o.counters.scans === 1);
    await o.stop();
    expect(acked).toEqual(['AAA']);
    expect((await publishedRows(r, 'gappers_up'))[0]).toMatchObject({ symbol: 'AAA', price: 11 });

    sink(bar('BBB', 12));
    expect(o.counters.lateEvents).toBe(1);
    expect(acked).toEqual(['AAA']);
  });

  it('acknowledges aggregates only once a scan that applied them is published', async () => {
    const pool = new GatedPool();
    const source = new ScriptedSource();
    const o = track(orchestratorFor(redis(), source, { pool, reference: twoTickers }));
    await o.start();
    source.push(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => o.counters.scans === 1);

    pool.shut();
    let ackedAtScans: number | undefined;
    source.push({
      kind: 'aggregates',
      at: ny('10:00:01'),
      events: [{ sym: 'AAA', c: 11, av: 20_000 }],
      ack: () => {
        ackedAtScans = o.counters.scans;
        return Promise.resolve();
      },
    });
    await waitFor(() => pool.waiting === 1);
    // The assertion itself: 50 ms into the stuck scan, nothing has been acknowledged.
    await sleep(50);
    expect(ackedAtScans).toBeUndefined();
    pool.open();
    await waitFor(() => ackedAtScans !== undefined);
    expect(ackedAtScans).toBe(2);
  });

  it('folds queued aggregates per symbol while a tick is stuck, so the queue stays bounded and loses nothing', async () => {
    const pool = new GatedPool();
    const source = new ScriptedSource();
    const r = redis();
    const o = track(orchestratorFor(r, source, { pool, reference: twoTickers, maxQueuedBars: 10 }));
    await o.start();
    pool.shut();
    source.push(
      snap('10:00', [
        ['AAA', 10.5, 10],
        ['BBB', 10.5, 10],
      ]),
    );
    await waitFor(() => pool.waiting === 1);
    let peak = 0;
    for (let i = 1; i <= 200; i++) {
      const at = ny('10:00') + i * 1000;
      source.push({
        kind: 'aggregates',
        at,
        events: [
          { sym: 'AAA', c: 10.5 + i / 100, h: i === 50 ? 15 : undefined, av: 20_000 + i, e: at },
          { sym: 'BBB', c: 10.5 - i / 1000, av: 20_000 + i, e: at },
        ],
      });
      peak = Math.max(peak, o.queuedBars);
    }
    expect(peak).toBeLessThanOrEqual(10);
    expect(o.counters.foldedBars).toBeGreaterThan(0);
    pool.open();
    await waitFor(() => o.counters.scans === 2);
    const rows = await publishedRows(r, 'gappers_up');
    expect(rows.find((x) => x.symbol === 'AAA')).toMatchObject({
      price: 12.5,
      high: 15,
      volumeToday: 20_200,
    });
    expect(rows.find((x) => x.symbol === 'BBB')).toMatchObject({ price: 10.3, volumeToday: 20_200 });
  });

  it('rescans a burst of aggregates at most maxScansPerSecond times a second', async () => {
    const source = new ScriptedSource();
    const o = track(orchestratorFor(redis(), source, { reference: twoTickers, maxScansPerSecond: 5 }));
    await o.start();
    source.push(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => o.counters.scans === 1);
    const started = Date.now();
    for (let i = 1; i <= 60; i++) {
      source.push({
        kind: 'aggregates',
        at: ny('10:00') + i * 20,
        events: [{ sym: 'AAA', c: 10.5 + i / 100 }],
      });
      // Paces the burst over about 1.2 s of wall time: the limit is measured on the real clock, which the
      // orchestrator reads directly (it takes no clock to fake).
      await sleep(20);
    }
    await waitFor(() => o.counters.events === 61);
    const elapsedSeconds = (Date.now() - started) / 1000;
    const rescans = o.counters.scans - 1;
    expect(rescans).toBeGreaterThan(1);
    expect(rescans).toBeLessThanOrEqual(5 * elapsedSeconds + 1);
  });

  it('counts a scan whose pool crashes as failed and goes on scanning the next snapshot', async () => {
    process.env.SCAN_CRASH_ALWAYS = '1';
    const pool = new ScanPool({
      threads: 1,
      workerFile: new URL('../test/fixtures/crashing-scan-worker.ts', import.meta.url),
    });
    onCleanup(async () => {
      delete process.env.SCAN_CRASH_ALWAYS;
      await pool.close();
    });
    const source = new ScriptedSource();
    const r = redis();
    const o = track(orchestratorFor(r, source, { pool, reference: twoTickers }));
    await o.start();
    source.push(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => o.counters.failedScans === 1, { timeoutMs: 15_000 });
    expect(o.counters.scans).toBe(0);
    // Workers started from now on behave; the one that replaced the last crashed worker may crash once more,
    // which the pool's retry absorbs.
    delete process.env.SCAN_CRASH_ALWAYS;
    source.push(snap('10:00:05', [['AAA', 10.6, 10]]));
    await waitFor(() => o.counters.scans === 1, { timeoutMs: 15_000 });
    expect(o.counters.failedScans).toBe(1);
    const first = (await streamMessages(r.redis, r.keys)).find((m) => m.list === 'gappers_up');
    expect(first).toMatchObject({ type: 'snapshot', seq: 1 });
  });

  it('keeps persisting scans when the subscription enqueue fails, and delivers the subscription at the next scan', async () => {
    const source = new ScriptedSource();
    const jobs = new MemoryJobs();
    jobs.failSubscriptions = 1;
    const o = track(orchestratorFor(redis(), source, { jobs, reference: twoTickers }));
    await o.start();
    source.push(snap('10:00', [['AAA', 10.5, 10]]));
    // The persist job goes before the publish, the subscription after it: wait for both outcomes.
    await waitFor(() => o.counters.subscriptionFailures === 1 && jobs.persisted.length === 1);
    expect(jobs.persisted).toEqual([1]);
    expect(jobs.changes).toEqual([]);

    jobs.failPersist = 1;
    source.push(snap('10:00:05', [['AAA', 10.6, 10]]));
    await waitFor(() => o.counters.persistFailures === 1 && jobs.changes.length === 1);
    expect(o.counters.subscriptionFailures).toBe(1);
    expect(jobs.changes).toEqual([{ subscribe: ['AAA'], unsubscribe: [] }]);
    expect(o.counters.persistFailures).toBe(1);
    expect(jobs.persisted).toEqual([1]);
  });
});
