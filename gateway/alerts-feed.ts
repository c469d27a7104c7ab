import type { Redis } from 'ioredis';
import type { BackoffOptions } from '../shared/backoff.js';
import { RECENT_ALERTS, readAlerts, readRecentAlerts, type AlertEntry } from '../shared/bus/alerts-stream.js';
import type { Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import { StreamFollower } from './stream-follower.js';

/** CLIENT SETNAME of the blocking alerts reader. */
export const ALERTS_FEED_CONNECTION_NAME = 'gateway-alerts-feed';

export interface AlertsFeedOptions {
  /** Used for the start-up read; the blocking XREAD runs on a duplicate of it. */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** Each new alert, in stream (= seq) order, with its JSON text (forwarded as is, no re-stringify). */
  readonly onAlert: (alert: AlertMessage, json: string) => void;
  /** XREAD BLOCK timeout, ms. Default 5000 (only bounds how long a stop waits on a quiet stream). */
  readonly blockMs?: number;
  /** Entries per XREAD. Default 500. */
  readonly batchCount?: number;
  readonly backoff?: BackoffOptions;
}

/** An alert held for `resync`, with its JSON as the stream stored it. */
export interface HeldAlert {
  readonly alert: AlertMessage;
  readonly json: string;
}

/**
 * The gateway's view of the alerts stream (SPEC §14), as ListFeed is of the lists: at start the last 200 alerts
 * (what `resync` returns) and the stream's last id, read together by one XREVRANGE, then every new alert from that
 * id in order, held (the newest 200) and handed to `onAlert`. Reading from the last id read loses nothing and
 * repeats nothing.
 *
 * The stream is append-only and has no snapshot, so a seq gap (this gateway was away longer than the stream's
 * cap, or the orchestrator began a new epoch) is logged and passed on as is: clients see it in `seq`/`epoch` and
 * resync to the last 200.
 */
export class AlertsFeed {
  private held: HeldAlert[] = [];
  private readonly follower: StreamFollower<AlertEntry>;

  constructor(private readonly options: AlertsFeedOptions) {
    this.follower = new StreamFollower({
      ...options,
      connectionName: ALERTS_FEED_CONNECTION_NAME,
      what: 'alerts',
      bootstrap: () => this.bootstrap(),
      read: (conn, afterId, o) => readAlerts(conn, options.keys, afterId, o),
      handle: (entry) => {
        const held = this.hold(entry);
        if (held) options.onAlert(held.alert, held.json);
      },
    });
  }

  /** Loads the recent alerts and starts following (stream-follower.ts). */
  start(): Promise<void> {
    return this.follower.start();
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  /** The newest alerts held (at most 200), oldest first: what `resync` on `alerts` sends. */
  recent(): readonly HeldAlert[] {
    return this.held;
  }

  /** The newest alert's epoch and seq (heartbeats), or undefined before any. */
  position(): { readonly epoch: string; readonly seq: number } | undefined {
    const last = this.held.at(-1)?.alert;
    return last && { epoch: last.epoch, seq: last.seq };
  }

  /** true while the stream connection is up and the recent alerts are loaded. */
  get healthy(): boolean {
    return this.follower.healthy;
  }

  /** The newest 200 alerts and the stream id to follow from (one XREVRANGE). */
  private async bootstrap(): Promise<string> {
    const { entries, lastId } = await readRecentAlerts(this.options.redis, this.options.keys, RECENT_ALERTS);
    this.held = [];
    for (const e of entries) this.hold(e);
    this.options.logger.info({ alerts: this.held.length, from: lastId }, 'recent alerts loaded');
    return lastId;
  }

  /** Holds a read entry (the newest 200 kept); a bad one is logged and skipped. */
  private hold(entry: AlertEntry): HeldAlert | undefined {
    if (!entry.ok) {
      this.options.logger.error({ err: entry.error, id: entry.id }, 'skipping a bad alert entry');
      return undefined;
    }
    const before = this.position();
    const { alert, json } = entry;
    if (before && before.epoch === alert.epoch && alert.seq !== before.seq + 1)
      this.options.logger.warn(
        { after: before.seq, seq: alert.seq },
        'alerts stream gap (trimmed or missed)',
      );
    const held = { alert, json };
    this.held.push(held);
    if (this.held.length > RECENT_ALERTS) this.held.shift();
    return held;
  }
}
