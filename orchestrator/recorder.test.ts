import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../shared/sim/simulator.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { runReplay } from '../shared/replay/replay.js';
import { DecodePool } from './decode-pool.js';
import type { MarketEvent } from './market-source.js';
import { Recorder } from './recorder.js';
import { SimSource } from './sim-source.js';
import { waitFor } from '../test/utils/wait.js';

describe('recording the live feed (SPEC §10 --record)', () => {
  it('writes the simulated feed as a recording that the replay tool plays without an error', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rec-')), 'day.ndjson');
    const recorder = new Recorder(file);
    const decoder = new DecodePool({ threads: 1 });
    const sim = new Simulator({
      tickers: 200,
      speed: 120,
      start: '2026-03-02T09:35:00-05:00',
      snapshotEveryMs: 100,
      aggregateEveryMs: 50,
      calendar: new MarketCalendar(),
    });
    const source = new SimSource(sim, decoder, createLogger('test', 'silent'), recorder);
    const events: MarketEvent[] = [];
    await source.start((e) => events.push(e));
    source.setHotSymbols(
      sim
        .metadata()
        .slice(0, 20)
        .map((m) => m.symbol),
    );
    await waitFor(
      () =>
        events.filter((e) => e.kind === 'snapshot').length >= 3 &&
        events.some((e) => e.kind === 'aggregates'),
      { timeoutMs: 10_000, what: 'three snapshots and an aggregates event' },
    );
    await source.stop();
    await decoder.close();
    await recorder.close();

    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBe(recorder.lines);
    expect(lines.some((l) => l.includes('"snapshot":{"status":"OK"'))).toBe(true);
    expect(lines.some((l) => l.includes('"aggregates":[{"ev":"A"'))).toBe(true);
    const out: string[] = [];
    const summary = await runReplay({ lines, file, write: (l) => out.push(l) });
    expect(summary.events).toBe(lines.length);
    expect(summary.skipped).toEqual([]);
    expect(out.length).toBeGreaterThanOrEqual(11);
  }, 30_000);
});
