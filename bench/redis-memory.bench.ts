import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { keys, QUEUES, type Keys } from '../shared/bus/keys.js';
import { ensureDatabase, migrate } from '../shared/db/migrate.js';
import { PrivateRedis } from '../test/utils/redis-server.js';

/**
 * Redis memory of a running scanner, by key family (docs/redis-memory.md): the real orchestrator
 * (`orchestrator/main.ts`, FEED=sim) and the real jobs process (`jobs/main.ts`, the persistence worker) against
 * a private redis-server (so `used_memory` is theirs alone) and a fresh key prefix, sampled with MEMORY USAGE
 * (SAMPLES 0: every node counted) and INFO memory.
 *
 * The stream's retention is measured against Redis's clock, which no bench can speed up: each cadence runs for
 * `seconds` with a short retention (`retentionMinutes`, 1 by default), so the stream reaches its steady state
 * within the run, and MB per hour of retention = entries published a second × 3600 × mean bytes an entry (the
 * two measured over the run). SIM_SPEED only makes the simulated market move faster: at 60 a minute of the run is
 * an hour of market, with the churn (and so the deltas' size) of a busy session.
 *
 *   npx tsx bench/redis-memory.bench.ts [--seconds 150] [--retention 1] [--tickers 12000] [--only <name part>]
 */
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scanner_bench';
const SAMPLE_EVERY_MS = 5000;
const START_TIMEOUT_MS = 180_000;

/** A publication cadence: the orchestrator's environment on top of the common one. */
export interface Cadence {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
}

export const CADENCES: readonly Cadence[] = [
  // The defaults: a snapshot every 5 s, hot rescans (per-second bars of listed tickers) up to 4 a second.
  { name: 'default (SIM_SPEED 1)', env: { SIM_SPEED: '1' } },
  // The same settings on a market moving 60× faster: every rescan finds changes, so as many messages as the
  // cadence allows, each carrying more updates.
  { name: 'busy (SIM_SPEED 60)', env: { SIM_SPEED: '60' } },
  // The simulator sends the hot set's bars once a second, so its rescans stay near 1 a second; the vendor's bars
  // arrive spread over the second and can drive them to MAX_SCANS_PER_SECOND. Snapshots every 250 ms (the least
  // SNAPSHOT_INTERVAL_MS) reach that cap; 2,000 tickers keep each scan cheap enough for 2 shared cores (the
  // lists' messages do not depend on how many tickers there are).
  {
    name: 'at the scan cap (SIM_SPEED 60, snapshots every 250 ms, 2,000 tickers)',
    env: { SIM_SPEED: '60', SNAPSHOT_INTERVAL_MS: '250', SIM_TICKERS: '2000' },
  },
];

export interface RedisMemoryOptions {
  readonly seconds: number;
  readonly retentionMinutes: number;
  readonly tickers: number;
}

export type MemoryRow = Record<string, string | number>;

/** One cadence's figures and the key families at the end of its run (MB). */
export async function benchRedisMemory(
  cadence: Cadence,
  o: RedisMemoryOptions,
): Promise<{ row: MemoryRow; families: Record<string, number> }> {
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL);
  const redisServer = new PrivateRedis();
  await redisServer.start();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const k = keys(`bench-mem-${randomUUID()}`);
  const env = {
    FEED: 'sim',
    SIM_TICKERS: String(o.tickers),
    SIM_START: 'MARKET_OPEN',
    WORKER_THREADS: '1',
    MESSAGES_RETENTION_MINUTES: String(o.retentionMinutes),
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: k.prefix,
    DATABASE_URL,
    LOG_LEVEL: 'warn',
    ...cadence.env,
  };
  const children: ChildProcess[] = [];
  try {
    const baseline = await usedMemory(redis);
    children.push(startEntry('orchestrator/main.ts', env), startEntry('jobs/main.ts', env));
    await waitForScans(redis, k, children);
    const startedAt = Date.now();
    const addedAtStart = await entriesAdded(redis, k);
    const scansAtStart = await scans(redis, k);
    let peakStreamBytes = 0;
    let peakUsed = 0;
    while (Date.now() - startedAt < o.seconds * 1000) {
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      for (const c of children) if (c.exitCode !== null) throw new Error(`a process exited (${c.exitCode})`);
      peakStreamBytes = Math.max(peakStreamBytes, await memoryUsage(redis, k.messagesStream));
      peakUsed = Math.max(peakUsed, await usedMemory(redis));
    }
    const elapsedS = (Date.now() - startedAt) / 1000;
    const entriesPerS = ((await entriesAdded(redis, k)) - addedAtStart) / elapsedS;
    const scansPerS = ((await scans(redis, k)) - scansAtStart) / elapsedS;
    const xlen = await redis.xlen(k.messagesStream);
    const streamBytes = await memoryUsage(redis, k.messagesStream);
    const entries = await redis.xrange(k.messagesStream, '-', '+');
    const oldest = entries[0]?.[0];
    const largest = Math.max(0, ...entries.map(([, fields]) => Buffer.byteLength(fields[1] ?? '')));
    const keptS = oldest ? (Date.now() - Number(oldest.split('-')[0])) / 1000 : 0;
    const bytesPerEntry = xlen > 0 ? streamBytes / xlen : 0;
    const families = await keyFamilies(redis, k);
    const jobs = await jobSizes(redis, k);
    const row: MemoryRow = {
      cadence: cadence.name,
      tickers: Number(env.SIM_TICKERS),
      'scans/s': round(scansPerS, 2),
      'entries/s': round(entriesPerS, 1),
      'bytes/entry': Math.round(bytesPerEntry),
      'largest message KB': kb(largest),
      [`stream MB (${o.retentionMinutes} min kept)`]: round(mb(streamBytes), 1),
      'oldest entry, s': Math.round(keptS),
      'stream MB/hour kept': round(mb(entriesPerS * 3600 * bytesPerEntry), 0),
      'scan job KB (mean, max)': jobs.scan ? `${kb(jobs.scan.mean)}, ${kb(jobs.scan.max)}` : '—',
      'slots job KB (mean, max)': jobs.slots ? `${kb(jobs.slots.mean)}, ${kb(jobs.slots.max)}` : '—',
      'jobs kept': (jobs.scan?.count ?? 0) + (jobs.slots?.count ?? 0),
      'all keys MB': round(
        Object.values(families).reduce((a, b) => a + b, 0),
        1,
      ),
      'used_memory MB (over empty, peak)': round(mb(peakUsed - baseline), 1),
      'peak stream MB': round(mb(peakStreamBytes), 1),
    };
    return { row, families };
  } finally {
    await Promise.all(children.map((c) => stop(c)));
    redis.disconnect();
    await redisServer.stop();
  }
}

function startEntry(entry: string, env: Record<string, string>): ChildProcess {
  const base = { ...process.env };
  // The simulator needs no vendor: no key, so the jobs process schedules no reference jobs.
  delete base.POLYGON_API_KEY;
  delete base.MASSIVE_API_KEY;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', entry)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...base, ...env },
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

async function waitForScans(redis: Redis, k: Keys, children: readonly ChildProcess[]): Promise<void> {
  const end = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    for (const c of children) if (c.exitCode !== null) throw new Error(`a process exited (${c.exitCode})`);
    if ((await scans(redis, k)) >= 2) return;
    if (Date.now() > end) throw new Error('the orchestrator published no scan in time');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Scans published so far (the orchestrator's metrics hash). */
async function scans(redis: Redis, k: Keys): Promise<number> {
  return Number((await redis.hget(k.orchestratorMetrics, 'scans')) ?? 0);
}

/** XINFO STREAM's `entries-added` (Redis ≥ 7): every entry ever appended, trimmed or not. */
async function entriesAdded(redis: Redis, k: Keys): Promise<number> {
  const info = (await redis.xinfo('STREAM', k.messagesStream)) as unknown[];
  const i = info.indexOf('entries-added');
  return i < 0 ? 0 : Number(info[i + 1]);
}

async function memoryUsage(redis: Redis, key: string): Promise<number> {
  return Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

/** MB by key family: the key without the prefix, a BullMQ job's id replaced by `<id>`. */
async function keyFamilies(redis: Redis, k: Keys): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const batch of redis.scanStream({ match: `${k.prefix}:*`, count: 1000 }) as AsyncIterable<
    string[]
  >) {
    for (const key of batch) {
      const family = key.slice(k.prefix.length + 1).replace(/^(bull:[^:]+:)\d+/, '$1<id>');
      out[family] = (out[family] ?? 0) + mb(await memoryUsage(redis, key));
    }
  }
  for (const f of Object.keys(out)) out[f] = round(out[f]!, 3);
  return out;
}

/** The persist jobs still in Redis, by kind (the job name): how many, and their MEMORY USAGE. */
async function jobSizes(
  redis: Redis,
  k: Keys,
): Promise<Record<string, { count: number; mean: number; max: number } | undefined>> {
  const sizes: Record<string, number[]> = {};
  const pattern = `${k.bullPrefix}:${QUEUES.persistence}:`;
  for await (const batch of redis.scanStream({ match: `${pattern}*`, count: 1000 }) as AsyncIterable<
    string[]
  >) {
    for (const key of batch) {
      if (!/^\d+$/.test(key.slice(pattern.length))) continue;
      const name = await redis.hget(key, 'name');
      if (name === null) continue;
      (sizes[name] ??= []).push(await memoryUsage(redis, key));
    }
  }
  return Object.fromEntries(
    Object.entries(sizes).map(([name, s]) => [
      name,
      { count: s.length, mean: s.reduce((a, b) => a + b, 0) / s.length, max: Math.max(...s) },
    ]),
  );
}

const mb = (bytes: number): number => bytes / 2 ** 20;
const kb = (bytes: number): number => Math.round(bytes / 1024);
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Every cadence, one after the other, printed as one table (and the key families of each). */
export async function runRedisMemoryCli(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string', default: '150' },
      retention: { type: 'string', default: '1' },
      tickers: { type: 'string', default: '12000' },
      /** Only the cadences whose name contains this. */
      only: { type: 'string', default: '' },
    },
  });
  const o = {
    seconds: Number(values.seconds),
    retentionMinutes: Number(values.retention),
    tickers: Number(values.tickers),
  };
  const rows: MemoryRow[] = [];
  const families: Record<string, Record<string, number>> = {};
  for (const cadence of CADENCES.filter((c) => c.name.includes(values.only))) {
    const r = await benchRedisMemory(cadence, o);
    rows.push(r.row);
    families[cadence.name] = r.families;
  }
  console.log(
    `Redis memory, FEED=sim, ${o.tickers} tickers unless the cadence says, ${o.seconds} s a cadence after the first scans, ` +
      `MESSAGES_RETENTION_MINUTES=${o.retentionMinutes} (private redis-server, orchestrator + jobs processes):`,
  );
  console.table(rows);
  console.log('Key families at the end of each run, MB (MEMORY USAGE, SAMPLES 0):');
  console.table(families);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runRedisMemoryCli(process.argv.slice(2));
}
