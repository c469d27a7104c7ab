import type { ChainableCommander, Redis } from 'ioredis';
import type { Keys } from './keys.js';

/**
 * The orchestrator's figures that the gateway exposes on `/metrics`. The orchestrator has no HTTP side: it
 * writes these fields into one Redis hash in the same MULTI as each scan it publishes (no extra round trip) and
 * with its once-a-second status report (orchestrator-status.ts), and a gateway reads the hash when it is scraped. The names here, the writer and the reader are the contract between the two
 * (hash `keys.orchestratorMetrics`).
 */
export const ORCHESTRATOR_METRICS = {
  events: { type: 'counter', help: 'Market events applied (snapshots and aggregate batches).' },
  scans: { type: 'counter', help: 'Scans published.' },
  droppedSnapshots: { type: 'counter', help: 'Snapshots replaced by a newer one while a tick ran.' },
  failedScans: { type: 'counter', help: 'Ticks that failed (skipped and logged).' },
  publishFailures: { type: 'counter', help: 'Scans whose Redis publication failed.' },
  referenceFailures: { type: 'counter', help: 'Failed loads of metadata, filters or history.' },
  noPriceRows: { type: 'counter', help: 'Snapshot rows without any price (SPEC §2), not scanned.' },
  foldedBars: {
    type: 'counter',
    help: 'Aggregate bars folded into a later one while the queue was over its cap.',
  },
  staleBars: {
    type: 'counter',
    help: 'Aggregate bars skipped as older than the state (redelivered or reclaimed).',
  },
  lateEvents: {
    type: 'counter',
    help: 'Events that arrived after the source stopped (left for the next run).',
  },
  persistFailures: {
    type: 'counter',
    help: 'Persistence jobs (scan rows, volume slots) that could not be queued.',
  },
  subscriptionFailures: {
    type: 'counter',
    help: 'Hot-set notices (stored set + job) that could not be delivered.',
  },
  ackFailures: {
    type: 'counter',
    help: 'Aggregate stream acknowledgements that failed (redelivered later).',
  },
  rejectedRows: {
    type: 'counter',
    help: 'Snapshot rows the decoder rejected (bad symbol, number, duplicate…).',
  },
  sourceStale: {
    type: 'gauge',
    help: '1 while the source is stale: no fresh snapshot for STALE_AFTER_MS in a session (failed polls count).',
  },
  tickers: { type: 'gauge', help: 'Symbols in the market state.' },
  lastScanMs: {
    type: 'gauge',
    help: 'Compute time of the last scan (kernel, merge, ranking, lists, deltas), ms.',
  },
  scansActive: { type: 'gauge', help: 'Distinct user-defined scans evaluated per tick (SPEC §13).' },
  scansSkipped: {
    type: 'gauge',
    help: 'Registered user-defined scans not evaluated: invalid, or beyond SCANS_MAX.',
  },
  lastScanEvalMs: {
    type: 'gauge',
    help: "Wall time of the last tick's user-defined scan evaluation (worker threads, merge), ms.",
  },
  lastScanTimestampSeconds: { type: 'gauge', help: 'Wall-clock time of the last published scan.' },
  rssBytes: { type: 'gauge', help: 'Resident memory of the orchestrator process (main thread and workers).' },
  heapUsedBytes: { type: 'gauge', help: 'JavaScript heap in use on the main thread.' },
  externalBytes: { type: 'gauge', help: 'Buffers and typed arrays outside the heap (columns, snapshots).' },
} as const satisfies Record<string, { type: 'counter' | 'gauge'; help: string }>;

export type OrchestratorMetricName = keyof typeof ORCHESTRATOR_METRICS;
export type OrchestratorMetrics = Readonly<Record<OrchestratorMetricName, number>>;

/**
 * Queues the write of `metrics` on `multi`: the scan's own MULTI (the figures land with the scan) or the
 * once-a-second status report's. Fields left out keep their stored value (the last scan's figures stay while
 * nothing is scanned).
 */
export function putOrchestratorMetrics(
  multi: ChainableCommander,
  keys: Keys,
  metrics: Partial<OrchestratorMetrics>,
): void {
  multi.hset(keys.orchestratorMetrics, metrics);
}

/**
 * The figures last written. Empty before the orchestrator's first scan; a field that is missing or not a finite
 * number is left out rather than reported as 0.
 */
export async function loadOrchestratorMetrics(
  redis: Redis,
  keys: Keys,
): Promise<Partial<OrchestratorMetrics>> {
  const stored = await redis.hgetall(keys.orchestratorMetrics);
  const out: Partial<Record<OrchestratorMetricName, number>> = {};
  for (const name of Object.keys(ORCHESTRATOR_METRICS) as OrchestratorMetricName[]) {
    const text = stored[name];
    const value = Number(text);
    if (text !== undefined && text !== '' && Number.isFinite(value)) out[name] = value;
  }
  return out;
}
