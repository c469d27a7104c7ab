import { describe, expect, it } from 'vitest';
import { runReplay } from '../replay/replay.js';
import { parseFilterList } from '../scan/filters-schema.js';
import { LIST_NAMES } from '../scan/lists.js';
import { Simulator } from './simulator.js';
import { DAY, ny } from './testing.js';

const TICKERS = 300;
const FIVE_MINUTES = 5 * 60_000;

describe('a simulated day replayed through the scanner', () => {
  it('populates every one of the 11 lists at some point, and shows each story in the list it is written for first', async () => {
    const sim = new Simulator({ seed: 42, tickers: TICKERS });
    const lines: string[] = [];
    for (let at = ny('04:00'); at < ny('20:00'); at += FIVE_MINUTES)
      lines.push(JSON.stringify({ at: new Date(at).toISOString(), snapshot: sim.snapshotAt(at) }));
    const members = new Map<string, Set<string>>(LIST_NAMES.map((name) => [name, new Set()]));
    const summary = await runReplay({
      lines,
      history: sim.history(5, DAY),
      metadata: sim.metadata(),
      filters: parseFilterList([{ id: 1, name: 'Tradable price', parameters: { minPrice: 1 } }]),
      write: () => {},
      onScan: (outcome) => {
        for (const name of LIST_NAMES)
          for (const row of outcome.lists[name]) members.get(name)!.add(row.symbol);
      },
    });
    expect(summary.scans).toBe(192);
    expect(summary.noPriceRows).toBe(0);
    for (const name of LIST_NAMES) expect(members.get(name)!.size, name).toBeGreaterThan(0);
    // A story's first list is its signature (a grinder makes new highs); in its other lists a 20-row cut
    // may be crowded by livelier names, as on a real tape.
    const missed = sim
      .stories(DAY)
      .filter((s) => !members.get(s.lists[0]!)!.has(s.symbol))
      .map((s) => `${s.symbol} ${s.kind} ${s.lists[0]}`);
    expect(missed).toEqual([]);
  });
});
