import { describe, expect, it } from 'vitest';
import { ny } from '../../test/utils/market.js';
import { simulatedEngine } from '../../test/utils/sim-engine.js';
import type { AlertKind } from './alert-settings.js';

const DAY = '2026-03-02';

/** Scans the simulated market every 5 s over [from, to] (New York times), halts included as the sim source sends them. */
function simulate(from: string, to: string, tickers: number) {
  const market = simulatedEngine({ seed: 42, tickers, day: DAY });
  const { sim, engine } = market;
  const alerts = [];
  for (let ms = ny(from, DAY); ms <= ny(to, DAY); ms += 5000) {
    market.snapshot(ms);
    engine.setHalted(sim.haltedAt(ms));
    alerts.push(...engine.scan(ms).alerts);
  }
  return { sim, alerts };
}

describe('alerts from the simulated market', () => {
  it('gives several kinds of alerts in every minute of the open', () => {
    const { alerts } = simulate('09:29', '09:35:55', 1500);
    const kindsByMinute = new Map<string, Set<AlertKind>>();
    for (const a of alerts) {
      const minute = a.ts.slice(11, 16);
      kindsByMinute.set(minute, (kindsByMinute.get(minute) ?? new Set()).add(a.kind));
    }
    // 14:30–14:35 UTC = 09:30–09:35 New York.
    for (const minute of ['14:30', '14:31', '14:32', '14:33', '14:34', '14:35']) {
      expect(kindsByMinute.get(minute)?.size, `kinds at ${minute}Z`).toBeGreaterThanOrEqual(3);
    }
    expect(new Set(alerts.map((a) => a.kind))).toEqual(
      new Set(['new_high', 'new_low', 'running_up', 'running_down', 'volume_spike', 'entered_list']),
    );
    // One stream: seq 1, 2, 3… in publication order.
    expect(alerts.map((a) => a.seq)).toEqual(alerts.map((_, i) => i + 1));
  }, 60_000);

  it("reports the halted story's halt when it starts and its resume when it ends", () => {
    const { sim, engine } = simulatedEngine({ seed: 42, tickers: 3000, day: DAY });
    const story = sim.stories(DAY).find((s) => s.halt !== null)!;
    const { from, to } = story.halt!;
    const seen: string[] = [];
    // Only the story's ticker, every 30 s from a minute before its halt to a minute after: enough for its alerts.
    for (
      let ms = ny('00:00', DAY) + (from - 1) * 60_000;
      ms <= ny('00:00', DAY) + (to + 1) * 60_000;
      ms += 30_000
    ) {
      engine.applySnapshot(ms, sim.snapshotAt(ms, [story.symbol]).tickers ?? []);
      engine.setHalted(sim.haltedAt(ms));
      for (const a of engine.scan(ms).alerts)
        if (a.kind === 'halt' || a.kind === 'resume')
          seen.push(`${a.kind} ${a.symbol} ${a.ts.slice(11, 19)}`);
    }
    const utc = (minute: number) => new Date(ny('00:00', DAY) + minute * 60_000).toISOString().slice(11, 19);
    expect(seen).toEqual([`halt ${story.symbol} ${utc(from)}`, `resume ${story.symbol} ${utc(to)}`]);
  });
});
