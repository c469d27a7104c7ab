import type { ListMessage, SnapshotMessage } from '../protocol/messages.js';
import { advanceSnapshot } from '../protocol/advance.js';

/*
 * The resync rule (SPEC §6, §8) — what a client does with each message of one list.
 *
 * A client holds, per list, the last snapshot it could build (the gateway's own `advanceSnapshot` applies
 * deltas to it: the same code on both sides, so a client and a fresh subscriber hold the same rows).
 *
 * - A snapshot replaces what is held, unless it is older than what is held (same epoch, seq not newer): a
 *   gateway that is behind — e.g. after reconnecting to another instance — must not take the client back.
 *   A snapshot of another epoch always replaces: seqs restart with a new epoch, so they cannot be compared.
 * - A delta applies only when it continues what is held: same epoch and `prevSeq` = held seq. A delta whose
 *   seq is not newer is a duplicate and is dropped. Anything else — no snapshot yet, a skipped seq, another
 *   epoch, ranks that do not add up — means the client is out of step: it sends `{"op":"resync","list":…}`
 *   and from then on ignores the list's deltas until a snapshot arrives (they cannot apply to what it holds,
 *   and answering each of them with another resync would flood the gateway).
 * - A heartbeat whose seq for the list is ahead of what is held means the client lost the list's last
 *   messages (nothing later would reveal it until the next change): resync too.
 * - A resync unanswered for RESYNC_RETRY_MS (the gateway may be conflating this client, or the list may not be
 *   published yet) is sent again at the next message that shows the list still out of step.
 *
 * The rows kept while waiting are the last good ones: a page keeps showing them rather than going blank.
 */

/** How long an unanswered resync waits before the next out-of-step message sends it again. */
export const RESYNC_RETRY_MS = 3000;

/** Why a client asked for a list's snapshot. */
export type ResyncReason =
  /** A delta whose prevSeq is not the seq held (a message was lost), or a delta before any snapshot. */
  | 'gap'
  /** A delta of another epoch: the publisher's sequence state was reset. */
  | 'epoch'
  /** A heartbeat announced a seq the client never received. */
  | 'behind'
  /** A delta that follows but whose ranks do not add up. */
  | 'invalid';

export type TrackResult =
  | { readonly kind: 'applied'; readonly snapshot: SnapshotMessage }
  /** Stale, a duplicate, or a delta while waiting for the resync snapshot. */
  | { readonly kind: 'ignored' }
  | { readonly kind: 'resync'; readonly reason: ResyncReason };

const IGNORED: TrackResult = { kind: 'ignored' };

/** One list's state on the client side: pure, no I/O (the caller sends the resyncs). */
export class ListTracker {
  private current: SnapshotMessage | undefined;
  /** ms when the pending resync was sent; undefined when in step. */
  private resyncSentAt: number | undefined;

  /** The list as last built, or undefined before the first snapshot. */
  get held(): SnapshotMessage | undefined {
    return this.current;
  }

  /** true between a resync and the snapshot that answers it. */
  get awaitingSnapshot(): boolean {
    return this.resyncSentAt !== undefined;
  }

  apply(msg: ListMessage, now: number): TrackResult {
    if (msg.type === 'delta' && this.resyncSentAt !== undefined) {
      return this.retry(now, msg.epoch === this.current?.epoch ? 'gap' : 'epoch');
    }
    const next = advanceSnapshot(this.current, msg);
    if (next === 'stale') {
      // An older snapshot still answers the resync: the gateway has nothing newer to give.
      if (msg.type === 'snapshot') this.resyncSentAt = undefined;
      return IGNORED;
    }
    if (next !== 'gap') {
      this.current = next;
      this.resyncSentAt = undefined;
      return { kind: 'applied', snapshot: next };
    }
    return this.outOfStep(now, this.gapReason(msg));
  }

  /** A heartbeat's seq for this list: resync when it is ahead of what is held. */
  checkSeq(seq: number, now: number): TrackResult {
    if (this.current === undefined || seq <= this.current.seq) return IGNORED;
    return this.resyncSentAt === undefined ? this.outOfStep(now, 'behind') : this.retry(now, 'behind');
  }

  /** After a reconnect: the subscribe brings a snapshot, so no resync is pending any more. */
  reconnected(): void {
    this.resyncSentAt = undefined;
  }

  private gapReason(msg: ListMessage): ResyncReason {
    const held = this.current;
    if (held === undefined) return 'gap';
    if (held.epoch !== msg.epoch) return 'epoch';
    return msg.prevSeq === held.seq ? 'invalid' : 'gap';
  }

  private outOfStep(now: number, reason: ResyncReason): TrackResult {
    this.resyncSentAt = now;
    return { kind: 'resync', reason };
  }

  private retry(now: number, reason: ResyncReason): TrackResult {
    if (now - this.resyncSentAt! < RESYNC_RETRY_MS) return IGNORED;
    return this.outOfStep(now, reason);
  }
}
