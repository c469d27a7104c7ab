import { describe, expect, it } from 'vitest';
import { evaluateScans } from '../shared/scan/scan-evaluate.js';
import { scannedMarketWithScans } from '../test/utils/scan-set.js';
import { evaluateScanShard } from './scan-worker.js';

describe('the scan worker (user-defined scans task)', () => {
  const { cols, size, session, setOf } = scannedMarketWithScans(3_000);

  it('has a worker answer "missing" for a set version it does not hold, and keep the set it was sent', () => {
    const set = setOf(3, 20, 9_000_201);
    const task = { cols, session, from: 0, to: size, version: set.version };
    expect(evaluateScanShard(task)).toMatchObject({ ok: false, missing: set.version });
    const sent = evaluateScanShard({ ...task, compiled: set.compiled });
    const again = evaluateScanShard(task);
    const inline = evaluateScans(cols, set.compiled, 0, size, session);
    for (const answer of [sent, again]) {
      expect(answer.ok).toBe(true);
      if (answer.ok) expect(Array.from(answer.results.rows)).toEqual(Array.from(inline.rows));
    }
    // A share of the scans: exactly those scans' results.
    const part = evaluateScanShard({ ...task, scanFrom: 5, scanTo: 12 });
    expect(part.ok && Array.from(part.results.rows)).toEqual(
      Array.from(inline.rows.subarray(inline.offsets[5], inline.offsets[12])),
    );
    expect(evaluateScanShard({ ...task, version: set.version + 1 })).toMatchObject({ ok: false });
  });
});
