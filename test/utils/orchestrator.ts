import { MarketCalendar } from '../../shared/market/calendar.js';
import { createLogger } from '../../shared/logger.js';
import type { ScanRow } from '../../shared/protocol/messages.js';
import type { MarketColumns } from '../../shared/scan/columns.js';
import { scanKernel, type KernelParams } from '../../shared/scan/kernel.js';
import type { ListName } from '../../shared/scan/lists.js';
import type { ScanCandidates } from '../../shared/scan/ranking-order.js';
import { DEFAULT_SCAN_SETTINGS } from '../../shared/scan/settings.js';
import type { SubscriptionChange } from '../../orchestrator/hot-set.js';
import type { JobSink } from '../../orchestrator/job-sink.js';
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';
import type { MarketEvent, MarketSource } from '../../orchestrator/market-source.js';
import { Orchestrator, type OrchestratorOptions } from '../../orchestrator/orchestrator.js';
import { staticReferenceData } from '../../orchestrator/reference-data.js';
import type { ShardRanker } from '../../orchestrator/scan-pool.js';
import { ny, snapshotRow } from './market.js';
import type { freshRedis } from './redis.js';

/** Helpers for tests that drive an Orchestrator by hand (a scripted source, jobs kept in memory). */

export const silentLogger = createLogger('test', 'silent');

/** A source the test drives: push() delivers an event while the source runs; `hot` is the last hot set given. */
export class ScriptedSource implements MarketSource {
  readonly name = 'scripted';
  started = false;
  hot: readonly string[] = [];
  sink: ((e: MarketEvent) => void) | null = null;
  start(sink: (e: MarketEvent) => void): Promise<void> {
    this.started = true;
    this.sink = sink;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.sink = null;
    return Promise.resolve();
  }
  setHotSymbols(symbols: readonly string[]) {
    this.hot = symbols;
  }
  push(e: MarketEvent) {
    this.sink?.(e);
  }
}

/** Jobs recorded in memory; `failSubscriptions` / `failPersist` make that many next enqueues throw. */
export class MemoryJobs implements JobSink {
  persisted: number[] = [];
  changes: SubscriptionChange[] = [];
  slots: { date: string; slot: number; count: number }[] = [];
  failSubscriptions = 0;
  failPersist = 0;
  persistScan(rows: readonly unknown[]): Promise<void> {
    if (this.failPersist-- > 0) return Promise.reject(new Error('queue unavailable (test)'));
    this.persisted.push(rows.length);
    return Promise.resolve();
  }
  alerts: AlertMessage[] = [];
  persistAlerts(alerts: readonly AlertMessage[]): Promise<void> {
    this.alerts.push(...alerts);
    return Promise.resolve();
  }
  persistVolumeSlots(rows: readonly { date: string; slot: number }[]): Promise<void> {
    this.slots.push({ date: rows[0]!.date, slot: rows[0]!.slot, count: rows.length });
    return Promise.resolve();
  }
  changeSubscriptions(c: SubscriptionChange): Promise<void> {
    if (this.failSubscriptions-- > 0) return Promise.reject(new Error('queue unavailable (test)'));
    this.changes.push(c);
    return Promise.resolve();
  }
  async close() {}
}

/** A pool that runs the kernel on this thread, and can be held shut to keep a tick stuck in its scan. */
export class GatedPool implements ShardRanker {
  /** Scans waiting at the gate. */
  waiting = 0;
  private gate: Promise<void> = Promise.resolve();
  private release: () => void = () => {};

  shut(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release();
    this.gate = Promise.resolve();
  }

  async rank(cols: MarketColumns, params: KernelParams, size: number): Promise<ScanCandidates> {
    this.waiting++;
    await this.gate;
    this.waiting--;
    return scanKernel(cols, params, 0, size);
  }
}

/** An orchestrator on `source` with the test defaults; `o` overrides them. */
export function orchestratorFor(
  r: Pick<ReturnType<typeof freshRedis>, 'redis' | 'keys'>,
  source: MarketSource,
  o: Partial<OrchestratorOptions> = {},
): Orchestrator {
  return new Orchestrator({
    source,
    redis: r.redis,
    keys: r.keys,
    reference: staticReferenceData({}),
    jobs: new MemoryJobs(),
    calendar: new MarketCalendar(),
    settings: DEFAULT_SCAN_SETTINGS,
    logger: silentLogger,
    hotGraceMs: 60_000,
    maxScansPerSecond: 1000,
    ...o,
  });
}

/** A snapshot at New York `time` (on the test day unless `date`) of [symbol, price, prevClose] rows. */
export function snap(
  time: string,
  rows: readonly (readonly [string, number, number])[],
  o: { volume?: number; date?: string } = {},
): MarketEvent {
  return {
    kind: 'snapshot-rows',
    at: ny(time, o.date),
    tickers: rows.map(([s, price, prevClose]) =>
      snapshotRow(s, { price, prevClose, volume: o.volume ?? 10_000 }),
    ),
  };
}

/** The rows of one list as last published (the snapshots hash). */
export async function publishedRows(
  r: Pick<ReturnType<typeof freshRedis>, 'redis' | 'keys'>,
  list: ListName,
): Promise<ScanRow[]> {
  const text = await r.redis.hget(r.keys.listSnapshots, r.keys.listField(list));
  return text === null ? [] : (JSON.parse(text) as { rows: ScanRow[] }).rows;
}
