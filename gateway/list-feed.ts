import type { Redis } from 'ioredis';
import type { BackoffOptions } from '../shared/backoff.js';
import type { Keys } from '../shared/bus/keys.js';
import {
  readFollowedListMessages,
  type ListMessageEntry,
  type SkippedListMessage,
} from '../shared/bus/list-messages.js';
import { StreamFollower } from './stream-follower.js';
import {
  readListSnapshot,
  readListSnapshotsAndLastId,
  type StoredSnapshot,
} from '../shared/bus/list-snapshots.js';
import type { Logger } from '../shared/logger.js';
import type { AnyListName, ListMessage, SnapshotMessage } from '../shared/protocol/messages.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import { isScanListName, type ScanListName } from '../shared/scan/scan-list-names.js';
import { advanceSnapshot } from '../shared/protocol/advance.js';

/** CLIENT SETNAME of the blocking stream reader. */
export const LIST_FEED_CONNECTION_NAME = 'gateway-list-feed';

export interface ListFeedOptions {
  /** Used for snapshot reads; the blocking XREAD runs on a duplicate of it. */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** Each list message, in stream order, with its JSON text (forwarded as is, no re-stringify). */
  readonly onMessage: (msg: ListMessage, json: string) => void;
  /** XREAD BLOCK timeout, ms. Default 5000 (only bounds how long a stop waits on a quiet stream). */
  readonly blockMs?: number;
  /** Entries per XREAD. Default 500. */
  readonly batchCount?: number;
  readonly backoff?: BackoffOptions;
}

interface Held {
  readonly msg: SnapshotMessage;
  /** Serialised on first use: most snapshots are superseded before anyone subscribes. */
  json: string | undefined;
}

/**
 * The gateway's view of the lists: each list's current snapshot in memory, kept in step with the messages
 * stream, and every message handed on in stream order.
 *
 * Start-up reads the snapshots hash and the stream's last id in one MULTI. The orchestrator's Publisher writes
 * stream entries and hash entries in one MULTI too, so the two agree and reading from that id loses nothing
 * and repeats nothing. After that each delta advances the held snapshot (see advanceSnapshot); a message that
 * does not follow (the gateway was away longer than the stream's retention, a new epoch sent as deltas, a bad
 * entry) reloads that list from the hash and hands on the reloaded snapshot instead, so subscribers always see
 * one consistent sequence per list.
 */
export class ListFeed {
  private readonly held = new Map<AnyListName, Held>();
  /** Scan lists some client of this gateway follows, with how many: only those are held (see watch). */
  private readonly watched = new Map<ScanListName, number>();
  private readonly follower: StreamFollower<ListMessageEntry | SkippedListMessage>;

  constructor(private readonly options: ListFeedOptions) {
    this.follower = new StreamFollower({
      ...options,
      connectionName: LIST_FEED_CONNECTION_NAME,
      what: 'list messages',
      bootstrap: () => this.bootstrap(),
      // Scan lists nobody here follows are not even parsed.
      read: (conn, afterId, o) =>
        readFollowedListMessages(conn, options.keys, afterId, o, (list) => this.follows(list)),
      handle: (entry) => this.handle(entry),
    });
  }

  /** Loads the snapshots and starts following the stream (stream-follower.ts). */
  start(): Promise<void> {
    return this.follower.start();
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  /**
   * Starts holding a scan list (SPEC §13) for the subscribers of this gateway: the built-in lists are always
   * held, but of up to SCANS_MAX scan lists only those followed here are — their snapshots would otherwise cost
   * every gateway memory for every scan of every client. The stored snapshot is loaded and handed on (its
   * subscribers' first message); until then, and for a list the orchestrator has not evaluated yet, the first
   * message of the stream is (a delta reloads it, as any message that does not follow).
   */
  watch(list: ScanListName): void {
    const n = this.watched.get(list) ?? 0;
    this.watched.set(list, n + 1);
    if (n === 0) void this.load(list);
  }

  /** The last subscriber of a scan list left: forget it. */
  unwatch(list: ScanListName): void {
    const n = this.watched.get(list) ?? 0;
    if (n > 1) return void this.watched.set(list, n - 1);
    this.watched.delete(list);
    this.held.delete(list);
  }

  /** The list's current snapshot message and its JSON, or undefined before the orchestrator published it. */
  snapshot(list: AnyListName): { msg: SnapshotMessage; json: string } | undefined {
    const h = this.held.get(list);
    if (!h) return undefined;
    h.json ??= JSON.stringify(h.msg);
    return { msg: h.msg, json: h.json };
  }

  /** Current seq of every list held (heartbeats, /health). */
  seqs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const l of LIST_NAMES) {
      const h = this.held.get(l);
      if (h) out[l] = h.msg.seq;
    }
    return out;
  }

  /**
   * The newest `ts` among the lists held (ISO string), or undefined before any. While the market is closed
   * nothing is published, so clients tell how old the lists are from this (SPEC §1: served with their age).
   */
  asOf(): string | undefined {
    let newest: string | undefined;
    for (const h of this.held.values()) if (newest === undefined || h.msg.ts > newest) newest = h.msg.ts;
    return newest;
  }

  /** true while the stream connection is up and the snapshots are loaded. */
  get healthy(): boolean {
    return this.follower.healthy;
  }

  /** The lists' stored snapshots and the stream id to follow from (read in one MULTI). */
  private async bootstrap(): Promise<string> {
    const { snapshots, lastMessageId } = await readListSnapshotsAndLastId(
      this.options.redis,
      this.options.keys,
    );
    for (const l of LIST_NAMES) {
      const stored = snapshots[l];
      const before = this.held.get(l)?.msg;
      if (stored === undefined || !this.hold(l, stored)) continue;
      // A client may have subscribed while the list was not loaded (Redis was failing): the snapshot is the
      // first message of the list it receives. At start-up nobody is subscribed and this costs nothing.
      const now = this.snapshot(l)!;
      if (before?.seq !== now.msg.seq || before.epoch !== now.msg.epoch)
        this.options.onMessage(now.msg, now.json);
    }
    this.options.logger.info({ lists: this.held.size, from: lastMessageId }, 'list snapshots loaded');
    return lastMessageId;
  }

  /** Whether this gateway holds `list`: every built-in list, and the scan lists its clients follow. */
  private follows(list: string): boolean {
    return !isScanListName(list) || this.watched.has(list);
  }

  private async handle(entry: ListMessageEntry | SkippedListMessage): Promise<void> {
    if (entry.ok === 'skipped') return;
    if (!entry.ok) {
      // Skipped: the list resyncs at its next message (which then does not follow).
      this.options.logger.error({ err: entry.error }, 'skipping a bad list message');
      return;
    }
    const { message: msg, json } = entry;
    // Unwatched between the read and now (the read skips what was unwatched before it).
    if (!this.follows(msg.list)) return;
    const next = advanceSnapshot(this.held.get(msg.list)?.msg, msg);
    if (next === 'stale') return;
    if (next !== 'gap') {
      this.held.set(msg.list, { msg: next, json: next === msg ? json : undefined });
      this.options.onMessage(msg, json);
      return;
    }
    const stored = await readListSnapshot(this.options.redis, this.options.keys, msg.list);
    if (!this.follows(msg.list)) return;
    this.options.logger.warn(
      { list: msg.list, seq: msg.seq },
      'list message out of sequence; reloaded snapshot',
    );
    if (stored === undefined || !this.hold(msg.list, stored)) return;
    const reloaded = this.snapshot(msg.list)!;
    this.options.onMessage(reloaded.msg, reloaded.json);
  }

  /** A newly watched scan list's stored snapshot, unless the stream already brought a newer one. */
  private async load(list: ScanListName): Promise<void> {
    let stored: StoredSnapshot | undefined;
    try {
      stored = await readListSnapshot(this.options.redis, this.options.keys, list);
    } catch (err) {
      // Its next message, whatever it is, brings it: a delta does not follow and reloads the list.
      this.options.logger.warn({ err, list }, 'scan list snapshot not loaded; waiting for its next message');
      return;
    }
    if (stored === undefined || !stored.ok || !this.watched.has(list)) return;
    const held = this.held.get(list)?.msg;
    if (held && held.epoch === stored.msg.epoch && held.seq >= stored.msg.seq) return;
    this.held.set(list, { msg: stored.msg, json: stored.json });
    this.options.onMessage(stored.msg, stored.json);
  }

  /** Holds a stored snapshot; false (and logged) if it did not parse. */
  private hold(list: AnyListName, stored: StoredSnapshot): boolean {
    if (!stored.ok) {
      this.options.logger.error({ err: stored.error, list }, 'ignoring a bad stored snapshot');
      return false;
    }
    this.held.set(list, { msg: stored.msg, json: stored.json });
    return true;
  }
}
