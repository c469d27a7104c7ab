import { MarketCalendar } from '../../shared/market/calendar.js';
import { ScanEngine } from '../../shared/scan/engine.js';
import type { ScannerFilter } from '../../shared/scan/filters-schema.js';
import { VolumeHistory } from '../../shared/scan/history.js';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from '../../shared/scan/settings.js';
import { Simulator } from '../../shared/sim/simulator.js';

/**
 * A scan engine fed by the simulated market (shared/sim): metadata, five days of volume history before `day`,
 * and the snapshots the caller applies. Shared by the scan-language tests, which need realistic markets in
 * every session.
 */
export function simulatedEngine(o: {
  seed: number;
  tickers: number;
  day: string;
  filters?: readonly ScannerFilter[];
  settings?: Partial<ScanSettings>;
}): { sim: Simulator; engine: ScanEngine; settings: ScanSettings; snapshot(ms: number): void } {
  const sim = new Simulator({ seed: o.seed, tickers: o.tickers });
  const settings = { ...DEFAULT_SCAN_SETTINGS, ...o.settings };
  const engine = new ScanEngine({
    calendar: new MarketCalendar(),
    settings,
    history: new VolumeHistory(sim.historyRows(5, o.day)),
    metadata: sim.metadata(),
    filters: o.filters ?? [],
    newEpoch: () => 'test-epoch',
  });
  return {
    sim,
    engine,
    settings,
    snapshot: (ms) => engine.applySnapshot(ms, sim.snapshotAt(ms).tickers ?? []),
  };
}

/** The categorical values present in the engine's dictionary (for random scans). */
export function categoriesOf(engine: ScanEngine): Record<string, string[]> {
  const d = engine.state.dictionary;
  const out: Record<string, string[]> = {};
  for (const field of ['sector', 'industry', 'exchange'] as const) {
    out[field] = Array.from({ length: d.size(field) }, (_, c) => d.valueOf(field, c)!);
  }
  return out;
}
