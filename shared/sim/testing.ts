import { nyWallClockToUtcMs } from '../market/ny-time.js';
import type { FullMarketSnapshotInput } from '../vendor/snapshot-schema.js';
import type { SnapshotRow } from './snapshot.js';

/** Shared by the simulator's tests: a Monday with a full session, and New York times on it. */
export const DAY = '2026-03-02';

/** UTC ms of New York 'HH:MM' or 'HH:MM:SS' on `date`. */
export function ny(time: string, date = DAY): number {
  const [h, m, s = 0] = time.split(':').map(Number);
  return nyWallClockToUtcMs(date, h! * 60 + m! + s / 60);
}

export function rowsOf(body: FullMarketSnapshotInput): SnapshotRow[] {
  return body.tickers ?? [];
}

export function rowOf(body: FullMarketSnapshotInput, symbol: string): SnapshotRow {
  const row = rowsOf(body).find((r) => r.ticker === symbol);
  if (row === undefined) throw new Error(`${symbol} is not in the snapshot`);
  return row;
}
