import type { Db } from '../shared/db/database.js';
import { loadFilters, loadMetadata } from '../shared/db/database.js';
import { streamVolumeHistoryDays } from '../shared/db/volume-history.js';
import type { ScannerFilter } from '../shared/scan/filters-schema.js';
import {
  DayBaselines,
  VolumeHistory,
  type BaselineProvider,
  type VolumeSlot,
} from '../shared/scan/history.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';

/** Where the orchestrator's slow-changing inputs come from: each loaded in bulk, one query each. */
export interface ReferenceData {
  loadMetadata(): Promise<TickerMetadata[]>;
  /** RVOL baselines for trading day `today` from each symbol's `lookbackDays` most recent dates before it. */
  loadBaselines(today: string, lookbackDays: number, minDays: number): Promise<BaselineProvider>;
  loadFilters(): Promise<ScannerFilter[]>;
}

export function databaseReferenceData(db: Db): ReferenceData {
  return {
    loadMetadata: () => loadMetadata(db),
    loadBaselines: (today, lookbackDays, minDays) =>
      DayBaselines.fromAsync(today, streamVolumeHistoryDays(db, today, lookbackDays), lookbackDays, minDays),
    loadFilters: () => loadFilters(db),
  };
}

/** Fixed reference data, e.g. the files given to a replay or a test. */
export function staticReferenceData(d: {
  metadata?: readonly TickerMetadata[];
  history?: readonly VolumeSlot[];
  filters?: readonly ScannerFilter[];
}): ReferenceData {
  return {
    loadMetadata: () => Promise.resolve([...(d.metadata ?? [])]),
    loadBaselines: () => Promise.resolve(new VolumeHistory(d.history ?? [])),
    loadFilters: () => Promise.resolve([...(d.filters ?? [])]),
  };
}
