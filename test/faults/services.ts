import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { keys, QUEUES, type Keys } from '../../shared/bus/keys.js';
import { migrate } from '../../shared/db/migrate.js';
import type { ListMessage } from '../../shared/protocol/messages.js';
import { onCleanup } from '../utils/cleanup.js';
import { closedPort } from '../utils/net.js';
import { PrivateRedis } from '../utils/redis-server.js';
import { PrivatePostgres } from './private-postgres.js';

/** A case's private Redis and PostgreSQL (migrated), a connection to each, and the processes' environment. */
export interface Services {
  readonly redisServer: PrivateRedis;
  readonly postgres: PrivatePostgres;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly env: Record<string, string>;
  /** A query on the private PostgreSQL with a short-lived client (so an outage leaves no broken pool behind). */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * Starts a private redis-server (append-only file, fsync on every write: a restart keeps what was written, as a
 * production Redis with persistence does) and a private PostgreSQL cluster with the scanner's tables; both are
 * stopped and removed when the test ends.
 */
export async function startServices(): Promise<Services> {
  const redisDir = await mkdtemp(path.join(tmpdir(), 'faults-redis-'));
  onCleanup(() => rm(redisDir, { recursive: true, force: true }), 'remove the private Redis directory');
  // Ports the OS just handed out and took back: free, unlike a random pick in the ephemeral range.
  const redisServer = new PrivateRedis(await closedPort(), [
    ...['--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'always'],
  ]);
  await redisServer.start();
  onCleanup(() => redisServer.stop(), 'stop the private redis-server');
  const postgres = new PrivatePostgres(await closedPort());
  onCleanup(() => postgres.destroy(), 'remove the private PostgreSQL');
  await postgres.start();
  await migrate(postgres.url);
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // a case restarts Redis on purpose; ioredis reconnects by itself
  onCleanup(() => redis.disconnect());
  const env = baseEnv({ redisUrl: redisServer.url, databaseUrl: postgres.url });
  return {
    redisServer,
    postgres,
    redis,
    keys: keys(env.REDIS_PREFIX!),
    env,
    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
      const c = new pg.Client({ connectionString: postgres.url });
      await c.connect();
      try {
        return (await c.query<T>(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
  };
}

/** Every list message in the stream with its entry id's time (Redis's clock at XADD), oldest first. */
export async function streamEntries(
  s: Services,
): Promise<{ readonly id: string; readonly at: number; readonly msg: ListMessage }[]> {
  const entries = await s.redis.xrange(s.keys.messagesStream, '-', '+');
  return entries.map(([id, fields]) => ({
    id,
    at: Number(id.split('-')[0]),
    msg: JSON.parse(fields[1]!) as ListMessage,
  }));
}

/** Jobs of the persist queue not yet done: waiting, active, delayed (retry backoff), prioritized. */
export async function persistBacklog(s: Services): Promise<number> {
  const q = new Queue(QUEUES.persistence, { connection: s.redis, prefix: s.keys.bullPrefix });
  try {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  } finally {
    await q.close();
  }
}

/** Scan times (epoch ms) that have rows in scan_results. */
export async function persistedScanTimes(s: Services): Promise<Set<number>> {
  const rows = await s.query<{ t: string }>(
    'SELECT DISTINCT (extract(epoch FROM time) * 1000)::bigint AS t FROM scan_results',
  );
  return new Set(rows.map((r) => Number(r.t)));
}

/**
 * Breaks in the list sequences: a message whose prevSeq is not its list's last seq, within one epoch (SPEC §6:
 * a new epoch starts over with snapshots; anything else must continue).
 */
export function seqGaps(messages: readonly ListMessage[]): string[] {
  const last = new Map<string, { epoch: string; seq: number }>();
  const gaps: string[] = [];
  for (const m of messages) {
    const prev = last.get(m.list);
    if (prev !== undefined && prev.epoch === m.epoch && m.prevSeq !== prev.seq)
      gaps.push(`${m.list}: prevSeq ${m.prevSeq} after seq ${prev.seq}`);
    last.set(m.list, { epoch: m.epoch, seq: m.seq });
  }
  return gaps;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The environment every case's processes share: no vendor key unless a case gives one, terse logs. */
export function baseEnv(o: {
  readonly redisUrl: string;
  readonly databaseUrl: string;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: 'faults',
    DATABASE_URL: o.databaseUrl,
    POLYGON_API_KEY: '',
    MASSIVE_API_KEY: '',
    WORKER_THREADS: '1',
    LOG_LEVEL: 'warn',
  };
}

/** A small simulated market that scans four times a second: what the cases that watch persistence run. */
export const FAST_SIM_ENV: Readonly<Record<string, string>> = {
  FEED: 'sim',
  SIM_TICKERS: '500',
  SNAPSHOT_INTERVAL_MS: '250',
  MAX_FILTERED: '50',
  // Snapshots only: a hot rescan (bars alone) is published but by design not persisted, so with bars a published
  // scan without rows could be either that or a lost one. Without them every published scan must have its rows.
  SIM_HOT_BARS: 'false',
};
