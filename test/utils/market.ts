import { MarketCalendar } from '../../shared/market/calendar.js';
import { nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import { ScanEngine } from '../../shared/scan/engine.js';
import type { ScannerFilter } from '../../shared/scan/filters-schema.js';
import { VolumeHistory, type VolumeSlot } from '../../shared/scan/history.js';
import type { SnapshotRowInput } from '../../shared/scan/market-state.js';
import type { TickerMetadata } from '../../shared/scan/metadata.js';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from '../../shared/scan/settings.js';

/** A Monday trading day used throughout the tests. */
export const DAY = '2026-03-02';

/** Epoch ms of a New York wall-clock time 'HH:MM' or 'HH:MM:SS' on `date`. */
export function ny(time: string, date = DAY): number {
  const [h, m, s = '0'] = time.split(':');
  return nyWallClockToUtcMs(date, Number(h) * 60 + Number(m) + Number(s) / 60);
}

export interface RowSpec {
  readonly price: number;
  readonly prevClose?: number;
  readonly open?: number;
  readonly volume?: number;
  readonly high?: number;
  readonly low?: number;
}

/** A vendor snapshot row with the fields the engine reads. */
export function snapshotRow(ticker: string, r: RowSpec): SnapshotRowInput {
  return {
    ticker,
    lastTrade: { p: r.price },
    day: { o: r.open ?? 0, h: r.high ?? 0, l: r.low ?? 0, c: r.price, v: r.volume ?? 0 },
    prevDay: r.prevClose === undefined ? undefined : { c: r.prevClose },
    min: { av: r.volume ?? 0, c: r.price },
  };
}

export function metadata(symbol: string, m: Partial<TickerMetadata> = {}): TickerMetadata {
  return {
    symbol,
    companyName: `${symbol} Inc.`,
    exchange: 'XNAS',
    sector: 'Technology',
    industry: 'Software',
    marketCap: 1e9,
    floatShares: 5e7,
    sharesOutstanding: 6e7,
    avgVolume30d: 1e6,
    avgVolume10d: 1e6,
    avgPrice30d: 10,
    beta: 1,
    isEtf: false,
    isActivelyTrading: true,
    ...m,
  };
}

/** History rows for one symbol: the same cumulative curve on each of `dates`. */
export function historyDays(
  symbol: string,
  dates: readonly string[],
  cumAt: (slot: number) => number,
): VolumeSlot[] {
  return dates.flatMap((date) =>
    Array.from({ length: 192 }, (_, slot) => ({ symbol, date, slot, cumVolume: cumAt(slot) })),
  );
}

export function engine(
  o: {
    history?: readonly VolumeSlot[];
    metadata?: readonly TickerMetadata[];
    filters?: readonly ScannerFilter[];
    settings?: Partial<ScanSettings>;
  } = {},
): ScanEngine {
  return new ScanEngine({
    calendar: new MarketCalendar(),
    settings: { ...DEFAULT_SCAN_SETTINGS, ...o.settings },
    history: new VolumeHistory(o.history ?? []),
    metadata: o.metadata ?? [],
    filters: o.filters ?? [],
    newEpoch: () => 'test-epoch',
  });
}

/** Applies one snapshot at `ms` and scans; returns the ranked row of `symbol` (or undefined). */
export function scanOne(
  e: ScanEngine,
  ms: number,
  rows: readonly SnapshotRowInput[],
  symbol = rows[0]?.ticker,
) {
  e.applySnapshot(ms, rows);
  const outcome = e.scan(ms);
  return { outcome, row: outcome.ranked.find((r) => r.symbol === symbol) };
}
