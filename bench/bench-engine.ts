import { MarketCalendar } from '../shared/market/calendar.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { ScanEngine } from '../shared/scan/engine.js';
import { parseFilterList } from '../shared/scan/filters-schema.js';
import { DayBaselines } from '../shared/scan/history.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { syntheticMarket, type SyntheticMarket } from './synthetic-market.js';

export const BENCH_DAY = '2026-03-02';
export const BENCH_HISTORY_DATES = ['2026-02-23', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27'];

/** A scan engine loaded with a synthetic market of `tickers` at 10:00 New York (seen since 09:45), ready to scan. */
export function benchEngine(
  tickers: number,
  sharedMemory = false,
): { engine: ScanEngine; market: SyntheticMarket; at: number } {
  const market = syntheticMarket(tickers, BENCH_HISTORY_DATES);
  const engine = new ScanEngine({
    calendar: new MarketCalendar(),
    settings: DEFAULT_SCAN_SETTINGS,
    history: new DayBaselines(BENCH_DAY, market.history(), DEFAULT_SCAN_SETTINGS.lookbackDays, 1),
    metadata: market.metadata,
    filters: parseFilterList([
      { id: 1, name: 'Tradable price', parameters: { minPrice: 1 } },
      { id: 2, name: 'Liquidity', parameters: { minVolume: 5000 }, sessions: ['MARKET_OPEN'] },
    ]),
    newEpoch: () => 'bench',
    sharedMemory,
  });
  const at = nyWallClockToUtcMs(BENCH_DAY, 10 * 60);
  // Snapshots 15, 5 and 1 minutes earlier too, so that every look-back (change1m … change15m, volume5m,
  // rvolSlot) has an observation to compare with and the kernel computes them rather than skipping NaNs.
  for (const minutesBefore of [15, 5, 1, 0]) engine.applySnapshot(at - minutesBefore * 60_000, market.rows);
  return { engine, market, at };
}
