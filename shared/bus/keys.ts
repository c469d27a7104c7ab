import type { AnyListName } from '../protocol/messages.js';

/**
 * Every Redis key, stream and BullMQ queue name the product uses, built in one place from one prefix
 * (REDIS_PREFIX), so that two deployments — or two test runs — share a Redis without touching each other, and
 * a move to Redis Cluster is a change here (hash tags), not at call sites.
 */
export interface Keys {
  readonly prefix: string;
  /** Stream of vendor aggregate events from the feed process to the orchestrator (aggregates.ts). */
  readonly aggregatesStream: string;
  /** Consumer group of the orchestrator on the aggregates stream. */
  readonly aggregatesGroup: string;
  /** Stream of published list messages (snapshot/delta), read by the gateways (list-messages.ts). */
  readonly messagesStream: string;
  /** Hash: list name → JSON of the list's current snapshot message (list-snapshots.ts). */
  readonly listSnapshots: string;
  /** JSON of the sequencer state (epoch, per-list seq, last ranking and sent rows) for restarts (sequencer-state.ts). */
  readonly sequencerState: string;
  /** Stream of published alerts (SPEC §14), one per entry, capped; read by the gateways (alerts-stream.ts). */
  readonly alertsStream: string;
  /** JSON of the alerts stream's position (epoch, last seq) for restarts, written with its entries (alerts-stream.ts). */
  readonly alertsSequencer: string;
  /**
   * Set: the hot set's current members, written by the orchestrator at each change (atomically replaced). The
   * feed loads it at start, on every vendor (re)connect and on every "it changed" notice: it is the whole
   * answer, the notices only say when to read it. Contract: hot-set.ts.
   */
  readonly hotMembers: string;
  /** Hash of the orchestrator's counters and gauges (shared/bus/orchestrator-metrics.ts), read by `/metrics`. */
  readonly orchestratorMetrics: string;
  /** JSON of the first-start bootstrap's progress (bootstrap-status.ts): jobs → gateway, launcher, orchestrator. */
  readonly bootstrapStatus: string;
  /** Hash of the orchestrator's status report and the lists' receipt time (shared/bus/orchestrator-status.ts). */
  readonly orchestratorStatus: string;
  /** Counter the scan registry's writers increment on every change; the orchestrator GETs it each tick (scan-registry.ts). */
  readonly scansVersion: string;
  /** Set of the owners (gateways, connections, the saved-scans owner) that hold scans (scan-registry.ts). */
  readonly scansOwners: string;
  /** Hash of one owner's scans: its own scan id → JSON `{scan, addedAt}`; leased owners' hashes expire (scan-registry.ts). */
  scansOwner(owner: string): string;
  /** Prefix passed to BullMQ (`prefix` option) so its keys live under ours. */
  readonly bullPrefix: string;
  /** Key of one list's snapshot inside {@link listSnapshots}. */
  listField(list: AnyListName): string;
}

/**
 * BullMQ queue names (within {@link Keys.bullPrefix}). Contracts: persistence-jobs.ts, hot-set.ts (subscriptions);
 * backfill, metadata and bootstrap are the jobs process's own queues (jobs/reference-workers.ts, jobs/bootstrap.ts).
 */
export const QUEUES = {
  persistence: 'persist',
  subscriptions: 'subscriptions',
  backfill: 'backfill',
  metadata: 'metadata',
  bootstrap: 'bootstrap',
} as const;

export function keys(prefix: string): Keys {
  if (!/^[\w:.-]+$/.test(prefix)) throw new Error(`bad Redis prefix ${JSON.stringify(prefix)}`);
  return {
    prefix,
    aggregatesStream: `${prefix}:feed:aggregates`,
    aggregatesGroup: 'orchestrator',
    messagesStream: `${prefix}:lists:messages`,
    listSnapshots: `${prefix}:lists:snapshots`,
    sequencerState: `${prefix}:lists:sequencer`,
    alertsStream: `${prefix}:alerts:messages`,
    alertsSequencer: `${prefix}:alerts:sequencer`,
    hotMembers: `${prefix}:hot:members`,
    orchestratorMetrics: `${prefix}:metrics:orchestrator`,
    bootstrapStatus: `${prefix}:bootstrap:status`,
    orchestratorStatus: `${prefix}:status:orchestrator`,
    bullPrefix: `${prefix}:bull`,
    scansVersion: `${prefix}:scans:version`,
    scansOwners: `${prefix}:scans:owners`,
    scansOwner: (owner) => `${prefix}:scans:owner:${owner}`,
    listField: (list) => list,
  };
}
