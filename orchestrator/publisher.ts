import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import type { OrchestratorMetrics } from '../shared/bus/orchestrator-metrics.js';
import type { ListMessage, ScanRow, SnapshotMessage } from '../shared/protocol/messages.js';
import type { SequencerState } from '../shared/scan/deltas.js';
import { LIST_NAMES, type ListName } from '../shared/scan/lists.js';

/**
 * Publication of a scan to Redis, in ONE MULTI: the list messages (stream), each changed list's current
 * snapshot (hash) and the sequencer state (key, written last). Redis runs them together, so no reader sees half
 * a scan, and a process killed between scans leaves a state that matches the last messages published — a
 * restarted orchestrator resumes every list at seq + 1 with no gap (SPEC §6). A MULTI is not a rollback: if
 * EXEC fails or its reply is lost, what landed is unknown, so the orchestrator re-reads the stored state before
 * its next publish and continues from that (clients see a gap and resync, never a reused seq).
 *
 * The messages stream is capped with `MAXLEN ~` (default {@link DEFAULT_STREAM_MAXLEN}): at ≈ 11 messages per
 * scan every 5 s plus hot rescans, 100K entries hold well over an hour of history for gateways catching up; a
 * gateway further behind resyncs from the snapshots hash.
 */
export const DEFAULT_STREAM_MAXLEN = 100_000;

export interface PublishInput {
  readonly ts: string;
  readonly messages: readonly ListMessage[];
  readonly lists: Readonly<Record<ListName, readonly ScanRow[]>>;
  readonly state: SequencerState;
  /** Written into the metrics hash in the same MULTI; omitted by callers that have none (tests, replay). */
  readonly metrics?: OrchestratorMetrics;
}

export class Publisher {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly streamMaxLen = DEFAULT_STREAM_MAXLEN,
  ) {}

  async publish({ ts, messages, lists, state, metrics }: PublishInput): Promise<void> {
    const multi = this.redis.multi();
    for (const m of messages) {
      multi.xadd(this.keys.messagesStream, 'MAXLEN', '~', this.streamMaxLen, '*', 'm', JSON.stringify(m));
      const current: SnapshotMessage = {
        type: 'snapshot',
        list: m.list,
        epoch: m.epoch,
        seq: m.seq,
        prevSeq: m.prevSeq,
        ts,
        rows: [...lists[m.list]],
      };
      multi.hset(this.keys.listSnapshots, this.keys.listField(m.list), JSON.stringify(current));
    }
    multi.set(this.keys.sequencerState, JSON.stringify(state));
    if (metrics) multi.hset(this.keys.orchestratorMetrics, metrics);
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`publish MULTI failed: ${failed?.[0]?.message ?? 'aborted'}`);
  }
}

const listStateSchema = z.object({
  seq: z.number().int().nonnegative(),
  symbols: z.array(z.string()),
  sent: z.record(
    z.string(),
    z.object({
      price: z.number().nullable(),
      volumeToday: z.number().nullable(),
      changePercent: z.number().nullable(),
      rvol: z.number().nullable(),
    }),
  ),
});
const sequencerStateSchema = z.object({
  epoch: z.string().min(1),
  lists: z.object(
    Object.fromEntries(LIST_NAMES.map((l) => [l, listStateSchema])) as Record<
      ListName,
      typeof listStateSchema
    >,
  ),
});

/**
 * The sequencer state a previous run published, or null when there is none or it is unreadable — the caller
 * then starts a new epoch with snapshots, which clients treat as a resync.
 */
export async function loadSequencerState(
  redis: Redis,
  keys: Keys,
  logger?: Logger,
): Promise<SequencerState | null> {
  const text = await redis.get(keys.sequencerState);
  if (text === null) return null;
  try {
    const r = sequencerStateSchema.safeParse(JSON.parse(text));
    if (r.success) return r.data;
    logger?.error(
      { issues: r.error.issues.slice(0, 3) },
      'stored sequencer state is invalid; starting a new epoch',
    );
  } catch (err) {
    logger?.error({ err }, 'stored sequencer state is not JSON; starting a new epoch');
  }
  return null;
}
