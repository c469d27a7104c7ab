import { describe, expect, it } from 'vitest';
import { benchEngine } from '../bench/bench-engine.js';
import { randomScans } from '../bench/random-scans.js';
import { prng } from '../bench/synthetic-market.js';
import { compileScans } from '../shared/scan/scan-compile.js';
import { evaluateScans } from '../shared/scan/scan-evaluate.js';
import { evaluateScanShard } from './scan-worker.js';

describe('the scan worker (user-defined scans task)', () => {
  const { engine, at } = benchEngine(3_000, true);
  engine.scan(at);
  const { cols, size, dictionary } = engine.state;
  const { session } = engine.prepare(at).clock;
  const categories = Object.fromEntries(
    (['sector', 'exchange'] as const).map((f) => [
      f,
      Array.from({ length: dictionary.size(f) }, (_, c) => dictionary.valueOf(f, c)!),
    ]),
  );
  const setOf = (seed: number, count: number, version: number) => ({
    version,
    compiled: compileScans(randomScans(count, { cols, size, categories, rand: prng(seed) }), dictionary),
  });

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
