import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MarketCalendar } from '../shared/market/calendar.js';
import { ScanEngine } from '../shared/scan/engine.js';
import { parseFilter } from '../shared/scan/filters-schema.js';
import { VolumeHistory } from '../shared/scan/history.js';
import { scanKernel } from '../shared/scan/kernel.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { historyDays, ny, snapshotRow } from '../test/utils/market.js';
import { ScanPool, ShardFailedError } from './scan-pool.js';

function sharedEngine(
  rows: { symbol: string; price: number; prevClose: number; volume: number }[],
  topK: number,
) {
  const e = new ScanEngine({
    calendar: new MarketCalendar(),
    settings: { ...DEFAULT_SCAN_SETTINGS, maxFiltered: topK },
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
  const pools: ScanPool[] = [];
  const pool = (o: ConstructorParameters<typeof ScanPool>[0]) => {
    const p = new ScanPool(o);
    pools.push(p);
    return p;
  };
  afterEach(() => {
    delete process.env.SCAN_CRASH_MARKER;
    delete process.env.SCAN_CRASH_ALWAYS;
  });
  afterAll(async () => Promise.all(pools.map((p) => p.close())));

  it('ranks exactly like a single-threaded kernel run, on random markets', async () => {
    const p = pool({ threads: 3 });
    await fc.assert(
      fc.asyncProperty(market, fc.integer({ min: 1, max: 60 }), async (rows, k) => {
        const e = sharedEngine(rows, k);
        const { params } = e.prepare(ny('10:00'));
        const threaded = await p.rank(e.state.cols, params, e.state.size);
        const threadedScores = Array.from(e.state.cols.num.score.subarray(0, e.state.size));
        const single = scanKernel(e.state.cols, params, 0, e.state.size);
        expect(Array.from(threaded)).toEqual(Array.from(single));
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
    expect(Array.from(ranked)).toEqual([0]);
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
});
