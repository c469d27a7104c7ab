import type { Logger } from '../shared/logger.js';
import type { ScanEngine } from '../shared/scan/engine.js';
import type { BaselineProvider } from '../shared/scan/history.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';
import type { ScanSettings } from '../shared/scan/settings.js';
import type { ReferenceData } from './reference-data.js';

/** After a failed history load, the next attempt waits this long rather than retrying at every event. */
const HISTORY_RETRY_MS = 60_000;

/**
 * Feeds the engine its slow-changing inputs: metadata and filters (at start, at each trading-day rollover, and
 * filters every FILTERS_RELOAD_MS so edits apply without a restart) and the RVOL baselines of each trading day.
 * A dead database keeps the previous data and is counted; the scan goes on.
 */
export class ReferenceLoader {
  private historyDate: string | null = null;
  private historyLoaded = false;
  private historyRetryAt = 0;
  /** Bumped by every filter load: only the newest load started may apply its result. */
  private filtersGeneration = 0;
  private filtersInFlight = false;
  /** Loaded by a background refresh, applied by the next tick (the engine is only changed between scans). */
  private pendingMetadata: TickerMetadata[] | undefined;
  private pendingHistory: { readonly date: string; readonly baselines: BaselineProvider } | undefined;
  private refreshing = false;

  constructor(
    private readonly o: {
      readonly engine: ScanEngine;
      readonly reference: ReferenceData;
      readonly settings: ScanSettings;
      readonly logger: Logger;
      /** A load failed (logged here); the caller counts it. */
      readonly onFailure: () => void;
    },
  ) {}

  /** Re-reads metadata and filters (history is read per trading day). */
  async reloadReference(): Promise<void> {
    try {
      this.o.engine.setMetadata(await this.o.reference.loadMetadata());
    } catch (err) {
      this.o.onFailure();
      this.o.logger.error({ err }, 'could not load metadata; scanning without it until the next reload');
    }
    await this.reloadFilters();
  }

  /** For the periodic reload: skipped while a load is in flight, so a hung database does not pile loads up. */
  reloadFiltersIfIdle(): void {
    if (!this.filtersInFlight) void this.reloadFilters();
  }

  /**
   * Loads the filters now. Loads can still overlap (a rollover's reload while a periodic one hangs); the result
   * of an older load that finishes last is discarded, so filters never go back to an older read of the table.
   */
  async reloadFilters(): Promise<void> {
    const generation = ++this.filtersGeneration;
    this.filtersInFlight = true;
    try {
      const filters = await this.o.reference.loadFilters();
      if (generation === this.filtersGeneration) this.o.engine.setFilters(filters);
    } catch (err) {
      this.o.onFailure();
      this.o.logger.error({ err }, 'could not load filters; keeping the previous ones');
    } finally {
      if (generation === this.filtersGeneration) this.filtersInFlight = false;
    }
  }

  /**
   * Loads the history of the trading day `date` once, before its first event (start and rollover), after
   * reloading metadata and filters at a rollover (they may have been refreshed overnight). After a failure it
   * tries again at most once a minute, not at every event.
   *
   * The baselines come in ≈ 1 query per 1,000 symbols (`streamVolumeHistoryDays`), folded as they arrive: one
   * query for the whole market would hold ≈ 115 MB of raw days at 15K symbols (docs/performance.md).
   */
  async ensureHistory(date: string): Promise<void> {
    this.applyRefreshed(date);
    if (date === this.historyDate && (this.historyLoaded || Date.now() < this.historyRetryAt)) return;
    if (this.historyDate !== null && date !== this.historyDate) await this.reloadReference();
    this.historyDate = date;
    this.historyLoaded = false;
    try {
      const { lookbackDays, minHistoryDays } = this.o.settings;
      const baselines = await this.o.reference.loadBaselines(date, lookbackDays, minHistoryDays);
      this.o.engine.setHistory(baselines, date);
      this.historyLoaded = true;
      this.o.logger.info({ date }, 'loaded RVOL baselines for the trading day');
    } catch (err) {
      this.o.onFailure();
      this.historyRetryAt = Date.now() + HISTORY_RETRY_MS;
      this.o.logger.error({ err, date }, 'could not load volume history; RVOL stays null until it loads');
    }
  }

  /**
   * Loads metadata and/or the current day's baselines again without stopping the scans (a bootstrap is
   * storing them: orchestrator/bootstrap-follower.ts); the next tick applies them. Returns false, loading
   * nothing, while the previous refresh is still loading.
   */
  refreshInBackground(what: { readonly metadata: boolean; readonly history: boolean }): boolean {
    if (this.refreshing) return false;
    this.refreshing = true;
    void this.refresh(what).finally(() => (this.refreshing = false));
    return true;
  }

  private async refresh(what: { readonly metadata: boolean; readonly history: boolean }): Promise<void> {
    try {
      if (what.metadata) this.pendingMetadata = await this.o.reference.loadMetadata();
      const date = this.historyDate;
      // Before the first event there is no day yet: its first event loads the baselines anyway.
      if (what.history && date !== null) {
        const { lookbackDays, minHistoryDays } = this.o.settings;
        const baselines = await this.o.reference.loadBaselines(date, lookbackDays, minHistoryDays);
        this.pendingHistory = { date, baselines };
      }
    } catch (err) {
      this.o.onFailure();
      this.o.logger.error({ err }, 'could not reload reference data; keeping the current one');
    }
  }

  /** Hands what a background refresh loaded to the engine; history only if it is still the day loaded for. */
  private applyRefreshed(date: string): void {
    if (this.pendingMetadata !== undefined) {
      this.o.engine.setMetadata(this.pendingMetadata);
      this.pendingMetadata = undefined;
    }
    const history = this.pendingHistory;
    if (history === undefined) return;
    this.pendingHistory = undefined;
    if (history.date !== date || history.date !== this.historyDate) return;
    this.o.engine.setHistory(history.baselines, date);
    this.historyLoaded = true;
    this.o.logger.info({ date }, 'reloaded RVOL baselines while the bootstrap fills history');
  }
}
