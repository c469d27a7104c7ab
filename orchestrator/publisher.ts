import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import { appendListMessages, DEFAULT_STREAM_TRIM, type StreamTrim } from '../shared/bus/list-messages.js';
import { putOrchestratorMetrics, type OrchestratorMetrics } from '../shared/bus/orchestrator-metrics.js';
import {
  putOrchestratorReport,
  putReceivedAt,
  type OrchestratorReport,
} from '../shared/bus/orchestrator-status.js';
import { putSequencerState } from '../shared/bus/sequencer-state.js';
import type { AlertSequence } from '../shared/alerts/alert-messages.js';
import { appendAlerts } from '../shared/bus/alerts-stream.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import type { BuiltInListMessage, ListMessage } from '../shared/protocol/messages.js';
import type { SequencerState } from '../shared/scan/deltas.js';
import { deleteScanListSnapshots, putScanListSnapshot, RowJson } from '../shared/bus/scan-list-snapshots.js';
import type { ScanListName } from '../shared/scan/scan-list-names.js';
import type { ScanListMessage, StoredScanList } from '../shared/scan/scan-list-sequencer.js';

export interface PublishInput {
  readonly ts: string;
  readonly messages: readonly BuiltInListMessage[];
  /** After the scan's messages: what the stored snapshots of the lists with a message become. */
  readonly state: SequencerState;
  /** Written into the metrics hash in the same MULTI; omitted by callers that have none (tests, replay). */
  readonly metrics?: Partial<OrchestratorMetrics>;
  /**
   * The orchestrator's status (orchestrator-status.ts), written in the same MULTI: when the data behind this scan
   * was received (wall clock) and the report as of this scan. Omitted by callers that have none.
   */
  readonly status?: { readonly receivedAtMs: number; readonly report: OrchestratorReport };
  /**
   * The user-defined scans' lists (SPEC §13): their messages, after the built-in lists', each followed in the
   * hash by the scan list's snapshot as `stored` says it now is (rows in list order, ranked by position when
   * written); and the scan lists whose grace ended.
   */
  readonly scans?: {
    readonly messages: readonly ScanListMessage[];
    readonly stored: (list: ScanListName) => StoredScanList | undefined;
    readonly expired: readonly ScanListName[];
  };
  /** The scan's alerts (SPEC §14), appended after every list message, with the stream's position after them. */
  readonly alerts?: {
    readonly messages: readonly AlertMessage[];
    readonly position: AlertSequence;
    /** Approximate count cap of the alerts stream (default DEFAULT_ALERTS_STREAM_MAXLEN). */
    readonly maxLen?: number | undefined;
  };
}

/**
 * Publication of a scan to Redis, in ONE MULTI: the list messages (stream), then the sequencer state: each
 * changed list's current snapshot (hash: the rows last sent) and the epoch and seqs (key, written last). Redis runs them together, so no reader sees half
 * a scan, and a process killed between scans leaves a state that matches the last messages published — a
 * restarted orchestrator resumes every list at seq + 1 with no gap (SPEC §6). A MULTI is not a rollback: if
 * EXEC fails or its reply is lost, what landed is unknown, so the orchestrator re-reads the stored state before
 * its next publish and continues from that (clients see a gap and resync, never a reused seq).
 *
 * The three writes are the contracts' own (shared/bus/list-messages.ts, list-snapshots.ts, sequencer-state.ts);
 * this class only composes them into the one MULTI. The messages stream keeps the last `trim.retentionMs` of
 * entries (`MINID ~`), at most ≈ `trim.maxLen` of them (defaults {@link DEFAULT_STREAM_TRIM}). The retention is
 * measured from `now` (this host's wall clock, not the scan's market time) against the entries' ids (Redis's
 * clock): a skew of s seconds between the two hosts shifts the retention by s.
 */
export class Publisher {
  private readonly trim: StreamTrim;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    trim: Partial<StreamTrim> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.trim = {
      retentionMs: trim.retentionMs ?? DEFAULT_STREAM_TRIM.retentionMs,
      maxLen: trim.maxLen ?? DEFAULT_STREAM_TRIM.maxLen,
    };
  }

  async publish({ ts, messages, state, metrics, status, scans, alerts }: PublishInput): Promise<void> {
    const multi = this.redis.multi();
    // A scan list's message is a list message with a `scan:` name (same JSON, same stream).
    const scanMessages: readonly ListMessage[] = scans?.messages ?? [];
    appendListMessages(multi, this.keys, [...messages, ...scanMessages], this.trim, this.now());
    // Each changed list's snapshot is the rows last sent (what a client following its deltas holds), not the
    // scan's rows: updates carry only what changed against those (SPEC §6).
    putSequencerState(
      multi,
      this.keys,
      state,
      messages.map((m) => m.list),
      ts,
    );
    if (scans) {
      const rowJson = new RowJson();
      for (const m of scans.messages)
        putScanListSnapshot(multi, this.keys, m.list, scans.stored(m.list)!, ts, rowJson);
      deleteScanListSnapshots(multi, this.keys, scans.expired);
    }
    if (alerts) appendAlerts(multi, this.keys, alerts.messages, alerts.position, alerts.maxLen);
    if (metrics) putOrchestratorMetrics(multi, this.keys, metrics);
    if (status) {
      putReceivedAt(multi, this.keys, status.receivedAtMs);
      putOrchestratorReport(multi, this.keys, status.report);
    }
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`publish MULTI failed: ${failed?.[0]?.message ?? 'aborted'}`);
  }
}
