import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';
import type { Freshness } from '../shared/protocol/messages.js';

/** A ping slower than this counts as down: a healthy local PostgreSQL answers `SELECT 1` in about a millisecond. */
export const DEFAULT_PING_TIMEOUT_MS = 1_000;
/** How long a ping's answer is reused: `/health` and `/metrics` may be hit often, PostgreSQL need not be. */
export const DEFAULT_PING_CACHE_MS = 2_000;

/**
 * PostgreSQL as `/health` and `/metrics` see it: a `SELECT 1` with a deadline, re-run in the background at most
 * every `cacheMs` when asked, so a probe costs PostgreSQL one trivial query per period whatever the scrape rate
 * and never makes a request wait. The lists never touch PostgreSQL; this only says whether the REST API's
 * filters and ticker lookups can answer.
 */
export class DatabaseProbe {
  private up: boolean | undefined;
  private checkedAt = -Infinity;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly logger: Logger,
    private readonly o: { readonly timeoutMs?: number; readonly cacheMs?: number } = {},
  ) {}

  /** Pings now and waits for the answer (at start, so the first `/health` is right). */
  async check(): Promise<boolean> {
    await this.refresh();
    return this.up === true;
  }

  /** The last answer (false before the first), refreshed in the background once it is older than `cacheMs`. */
  isUp(): boolean {
    if (Date.now() - this.checkedAt > (this.o.cacheMs ?? DEFAULT_PING_CACHE_MS)) void this.refresh();
    return this.up === true;
  }

  private refresh(): Promise<void> {
    this.pending ??= this.ping().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async ping(): Promise<void> {
    const timeoutMs = this.o.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    let up: boolean;
    try {
      await Promise.race([this.db.one('SELECT 1 AS one'), deadline]);
      up = true;
    } catch (err) {
      up = false;
      if (this.up !== false)
        this.logger.warn({ err }, 'PostgreSQL does not answer: /health says postgres down');
    } finally {
      clearTimeout(timer);
    }
    if (up && this.up === false) this.logger.info('PostgreSQL answers again');
    this.up = up;
    this.checkedAt = Date.now();
  }
}

/** What `/health` reports; an object so that more parts (e.g. bootstrap progress) can be added. */
export interface HealthInput {
  readonly freshness: Freshness;
  /** The list stream is read and the snapshots are loaded. */
  readonly redisUp: boolean;
  readonly postgresUp: boolean;
  /** The newest list message's `ts` (the market's clock: simulated under FEED=sim), or null. */
  readonly asOf: string | null;
  readonly lists: Readonly<Record<string, number>>;
  readonly clients: number;
  /** The first-start bootstrap's progress (shared/bus/bootstrap-status.ts `bootstrapHealth`); informative only. */
  readonly bootstrap: unknown;
}

/**
 * `/health`: 503 when the lists cannot be trusted — the source is `stale` or `down`, or Redis is down (the gateway
 * cannot follow them) — and 200 otherwise, `closed` included (a closed market is normal). PostgreSQL down is named
 * and makes `status` `degraded` but keeps 200: the lists are still served, only the REST API's filters and ticker
 * lookups fail (a load balancer that removed every gateway for it would take the lists away too).
 */
export function healthReply(h: HealthInput): { status: number; body: Record<string, unknown> } {
  const trusted = h.redisUp && (h.freshness.source === 'live' || h.freshness.source === 'closed');
  const status = trusted && h.postgresUp ? 'ok' : 'degraded';
  return {
    status: trusted ? 200 : 503,
    body: {
      status,
      source: h.freshness.source,
      ageMs: h.freshness.ageMs,
      session: h.freshness.session,
      asOf: h.asOf,
      redis: h.redisUp ? 'up' : 'down',
      postgres: h.postgresUp ? 'up' : 'down',
      lists: h.lists,
      clients: h.clients,
      // A bootstrap in progress does not make the gateway unhealthy (SPEC §12): lists are served meanwhile.
      bootstrap: h.bootstrap,
    },
  };
}
