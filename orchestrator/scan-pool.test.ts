import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { ScanEngine } from '../shared/scan/engine.js';
import { parseFilter } from '../shared/scan/filters-schema.js';
import { VolumeHistory } from '../shared/scan/history.js';
import { scanKernel } from '../shared/scan/kernel.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { plainCandidates } from '../test/utils/candidates.js';
import { historyDays, ny, snapshotRow } from '../test/utils/market.js';
import { ScanPool, ShardFailedError } from './scan-pool.js';

function sharedEngine(
  rows: { symbol: string; price: number; prevClose: number; volume: number }[],
  topK: number,
) {
  const e = new ScanEngine({
    calendar: new MarketCalendar(),
    settings: { ...DEFAULT_SCAN_SETTINGS, maxFiltered: topK, listLimit: Math.max(1, topK >> 1) },
    history: new VolumeHistory(
      rows.slice(0, 40).flatMap((r) => historyDays(r.symbol, ['2026-02-27'], (s) => 50 * (s + 1))),
    ),
    filters: [parseFilter({ id: 1, name: 'liquid', parameters: { minVolume: 10 } })],
    newEpoch: () => 'test',
    sharedMemory: true,
  });
  e.applySnapshot(
    ny('10:00'),
    rows.map((r) => snapshotRow(r.symbol, r)),
  );
  return e;
}

const market = fc.uniqueArray(
  fc.record({
    symbol: fc.stringMatching(/^[A-Z]{1,4}$/),
    price: fc.integer({ min: 1, max: 50_000 }).map((c) => c / 100),
    prevClose: fc.integer({ min: 1, max: 50_000 }).map((c) => c / 100),
    volume: fc.integer({ min: 0, max: 20_000 }),
  }),
  { selector: (r) => r.symbol, minLength: 1, maxLength: 400 },
);

describe('ScanPool (piscina workers over shared memory)', () => {
  const pool = (o: ConstructorParameters<typeof ScanPool>[0]) => {
    const p = new ScanPool(o);
    onCleanup(() => p.close());
    return p;
  };
  afterEach(() => {
    delete process.env.SCAN_CRASH_MARKER;
    delete process.env.SCAN_CRASH_ALWAYS;
    delete process.env.SCAN_FAIL_FROM;
    delete process.env.SCAN_SLEEP_MS;
  });
  const misbehaving = new URL('../test/fixtures/misbehaving-scan-worker.ts', import.meta.url);

  it('ranks and draws the lists exactly like a single-threaded kernel run, on random markets', async () => {
    const p = pool({ threads: 3 });
    await fc.assert(
      fc.asyncProperty(market, fc.integer({ min: 1, max: 60 }), async (rows, k) => {
        const e = sharedEngine(rows, k);
        const { params } = e.prepare(ny('10:00'));
        const threaded = await p.rank(e.state.cols, params, e.state.size);
        const threadedScores = Array.from(e.state.cols.num.score.subarray(0, e.state.size));
        const single = scanKernel(e.state.cols, params, 0, e.state.size);
        expect(plainCandidates(threaded)).toEqual(plainCandidates(single));
        // The workers wrote the same outputs in place that the single-threaded kernel then recomputed.
        expect(threadedScores).toEqual(Array.from(e.state.cols.num.score.subarray(0, e.state.size)));
      }),
      { numRuns: 40 },
    );
  });

  it('retries a shard once when its worker dies mid-task, and the scan still completes', async () => {
    const marker = path.join(tmpdir(), `scan-crash-${process.pid}-${Date.now()}`);
    writeFileSync(marker, '');
    process.env.SCAN_CRASH_MARKER = marker;
    const p = pool({
      threads: 2,
      workerFile: new URL('../test/fixtures/crashing-scan-worker.ts', import.meta.url),
    });
    const e = sharedEngine([{ symbol: 'A', price: 11, prevClose: 10, volume: 100 }], 10);
    const { params } = e.prepare(ny('10:00'));
    const ranked = await p.rank(e.state.cols, params, e.state.size);
    expect(Array.from(ranked.ranked)).toEqual([0]);
    expect(p.counters.shardRetries).toBe(1);
  });

  it('fails the scan with ShardFailedError when a shard fails twice, without hanging', async () => {
    process.env.SCAN_CRASH_ALWAYS = '1';
    const p = pool({
      threads: 2,
      workerFile: new URL('../test/fixtures/crashing-scan-worker.ts', import.meta.url),
    });
    const e = sharedEngine([{ symbol: 'A', price: 11, prevClose: 10, volume: 100 }], 10);
    const { params } = e.prepare(ny('10:00'));
    await expect(p.rank(e.state.cols, params, e.state.size)).rejects.toThrow(ShardFailedError);
    expect(p.counters.failedScans).toBe(1);
  });

  it('fails a scan only once every shard has settled, so no abandoned worker writes during the next scan', async () => {
    // Shard [0, 1) throws at once, twice; shard [1, 2) is still computing for another 400 ms.
    process.env.SCAN_FAIL_FROM = '0';
    process.env.SCAN_SLEEP_MS = '400';
    const p = pool({ threads: 2, workerFile: misbehaving });
    const e = sharedEngine(
      [
        { symbol: 'A', price: 11, prevClose: 10, volume: 100 },
        { symbol: 'B', price: 12, prevClose: 10, volume: 100 },
      ],
      10,
    );
    const { params } = e.prepare(ny('10:00'));
    const score = e.state.cols.num.score;
    score.fill(-1, 0, 2);
    await expect(p.rank(e.state.cols, params, e.state.size)).rejects.toThrow(ShardFailedError);
    // The slow shard had finished writing its row before the scan was reported failed.
    expect(score[1]).not.toBe(-1);
    expect(p.counters).toMatchObject({ shardRetries: 1, failedScans: 1 });
  });

  it('terminates a hung worker after the shard timeout and fails the scan instead of hanging', async () => {
    process.env.SCAN_SLEEP_MS = '60000';
    const p = pool({ threads: 1, workerFile: misbehaving, shardTimeoutMs: 300 });
    const e = sharedEngine([{ symbol: 'A', price: 11, prevClose: 10, volume: 100 }], 10);
    const { params } = e.prepare(ny('10:00'));
    const started = Date.now();
    await expect(p.rank(e.state.cols, params, e.state.size)).rejects.toThrow(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(p.counters).toMatchObject({ shardTimeouts: 2, failedScans: 1 });
  });
});
