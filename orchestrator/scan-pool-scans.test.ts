import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { evaluateScans } from '../shared/scan/scan-evaluate.js';
import { scannedMarketWithScans } from '../test/utils/scan-set.js';
import { ScanPool } from './scan-pool.js';

describe('ScanPool.evaluate: user-defined scans in the worker threads', () => {
  const { cols, size, session, setOf } = scannedMarketWithScans(3_000);

  it.each([
    ['scans', 2],
    ['scans', 3],
    ['rows', 2],
    ['rows', 3],
  ] as const)(
    'gives exactly the single-threaded results sharded by %s over %i threads, and sends a set only while a thread lacks it',
    async (scanShards, threads) => {
      const pool = new ScanPool({ threads, scanShards });
      onCleanup(() => pool.close());
      for (const [k, set] of [
        setOf(1, 150, 9_000_001 + threads),
        setOf(2, 40, 9_000_101 + threads),
      ].entries()) {
        const inline = evaluateScans(cols, set.compiled, 0, size, session);
        for (let tick = 0; tick < 4; tick++) {
          const pooled = await pool.evaluate(cols, set, session, size);
          expect(Array.from(pooled.offsets), `set ${k} tick ${tick}`).toEqual(Array.from(inline.offsets));
          expect(Array.from(pooled.rows)).toEqual(Array.from(inline.rows));
          expect(Array.from(pooled.keys)).toEqual(Array.from(inline.keys));
        }
      }
      // 2 sets × 4 ticks × `threads` shards: far fewer sends than shards (a thread may serve two shards of a tick).
      expect(pool.counters.scanSetsSent).toBeLessThan(2 * 4 * threads);
    },
    60_000,
  );
});
