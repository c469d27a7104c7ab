import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { keys as makeKeys, type Keys } from '../shared/bus/keys.js';
import { LIST_MESSAGE_FIELD, parseListMessageEntry } from '../shared/bus/list-messages.js';
import { ensureDatabase, migrate } from '../shared/db/migrate.js';
import { advanceSnapshot } from '../shared/protocol/advance.js';
import type { ListMessage, SnapshotMessage } from '../shared/protocol/messages.js';
import type { AnyListName as ListName } from '../shared/protocol/messages.js';

/*
 * The fan-out bench's publisher: list messages recorded from the real orchestrator (FEED=sim), replayed into a
 * fresh Redis prefix at a chosen speed. Replaying instead of running the orchestrator during the measurement
 * keeps the orchestrator's CPU (simulator, decode, scans) off a 2-core machine while the gateway is measured,
 * and makes the offered load the same for the gateway and for the plain `ws` relay it is compared with.
 */

/** One scan's messages: what the orchestrator published in one MULTI (same stream-id millisecond). */
export interface RecordedScan {
  /** ms since the recording's first scan. */
  readonly atMs: number;
  readonly messages: readonly ListMessage[];
}

export interface Recording {
  readonly scans: readonly RecordedScan[];
  /** Wall time the recording covers, ms (first to last scan). */
  readonly spanMs: number;
}

/** The orchestrator exited or published nothing while recording. */
export class RecordingFailed extends Error {
  override readonly name = 'RecordingFailed';
}

export interface RecordOptions {
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  /** Wall seconds to record after the first scan. */
  readonly seconds: number;
  readonly tickers: number;
}

/**
 * Runs `orchestrator/main.ts` with FEED=sim at the default cadence (SIM_SPEED 1, 5 s snapshots, hot rescans at
 * up to MAX_SCANS_PER_SECOND) for `seconds` after its first scan, and returns what it published. Recorded fresh
 * each run, so the bench measures whatever the orchestrator publishes today (full rows or lean updates).
 */
export async function recordOrchestrator(options: RecordOptions): Promise<Recording> {
  const { redis } = options;
  await ensureDatabase(options.databaseUrl);
  await migrate(options.databaseUrl);
  const compiled = import.meta.url.endsWith('.js');
  const entry = path.join(import.meta.dirname, '..', 'orchestrator', compiled ? 'main.js' : 'main.ts');
  const prefix = `bench-fanout-rec-${randomUUID()}`;
  const k = makeKeys(prefix);
  const child = spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), entry], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      FEED: 'sim',
      SIM_TICKERS: String(options.tickers),
      SIM_SPEED: '1',
      SIM_START: 'MARKET_OPEN',
      SNAPSHOT_INTERVAL_MS: '5000',
      WORKER_THREADS: '1',
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: prefix,
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: 'warn',
    },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    const deadline = Date.now() + 120_000;
    while ((await redis.xlen(k.messagesStream)) === 0) {
      if (child.exitCode !== null)
        throw new RecordingFailed(`orchestrator exited (${child.exitCode}):\n${stderr}`);
      if (Date.now() > deadline) throw new RecordingFailed(`orchestrator published nothing:\n${stderr}`);
      await sleep(200);
    }
    await sleep(options.seconds * 1000);
    return readRecording(redis, k);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    await deletePrefix(redis, prefix);
  }
}

async function readRecording(redis: Redis, k: Keys): Promise<Recording> {
  const entries = await redis.xrange(k.messagesStream, '-', '+');
  const scans: { atMs: number; messages: ListMessage[] }[] = [];
  let first: number | undefined;
  let lastMs = -1;
  for (const [id, fields] of entries) {
    const parsed = parseListMessageEntry(id, fields);
    if (!parsed.ok) throw new RecordingFailed(`bad recorded entry ${id}: ${parsed.error.message}`);
    const ms = Number(id.split('-')[0]);
    first ??= ms;
    if (ms !== lastMs) scans.push({ atMs: ms - first, messages: [] });
    scans.at(-1)!.messages.push(parsed.message);
    lastMs = ms;
  }
  if (scans.length === 0 || scans[0]!.messages.some((m) => m.type !== 'snapshot'))
    throw new RecordingFailed('the recording does not start with a scan of snapshots');
  return { scans, spanMs: scans.at(-1)!.atMs };
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
}

/** Figures of a recording, to print what the offered load is. */
export function describeRecording(r: Recording): {
  scans: number;
  messages: number;
  spanS: number;
  messagesPerS: number;
  bytesPerS: number;
} {
  let messages = 0;
  let bytes = 0;
  // The first scan is every list's snapshot: what a subscriber gets once, not the steady stream.
  for (const s of r.scans.slice(1)) {
    messages += s.messages.length;
    for (const m of s.messages) bytes += Buffer.byteLength(JSON.stringify(m));
  }
  const spanS = r.spanMs / 1000;
  return {
    scans: r.scans.length,
    messages,
    spanS,
    messagesPerS: messages / spanS,
    bytesPerS: bytes / spanS,
  };
}

/**
 * Replays a recording into a prefix: each scan's messages in one MULTI with the advanced snapshots (as the
 * orchestrator's Publisher does), at `speed` × the recorded pace, looping. Each entry gets an explicit stream id
 * whose ms part is the publish time and a `ts` equal to it, so a client's receipt time minus `ts` is its latency
 * from the stream entry. On each loop every list is re-sent as its first snapshot with the sequence continued
 * (a gateway accepts a snapshot at any next seq), which costs one round of snapshots per loop.
 */
export class ReplayPublisher {
  private readonly held = new Map<ListName, SnapshotMessage>();
  private readonly seqs = new Map<ListName, number>();
  private readonly k: Keys;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastMs = 0;
  private lastSub = 0;
  private inFlight: Promise<void> = Promise.resolve();
  /** List messages published, and failures, since start. */
  published = 0;
  failures = 0;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly recording: Recording,
    private readonly speed: number,
  ) {
    this.k = makeKeys(prefix);
  }

  /** Publishes the first scan (every list's snapshot), so a server starting now finds every list. */
  async publishFirst(): Promise<void> {
    await this.publish(this.recording.scans[0]!);
    this.published = 0;
  }

  /** Publishes the rest of the recording on schedule from now, looping. */
  start(): void {
    const started = performance.now();
    const loopMs = (this.recording.spanMs + 5000) / this.speed;
    let index = 1;
    let loop = 0;
    const next = (): void => {
      if (this.stopped) return;
      if (index >= this.recording.scans.length) {
        index = 0;
        loop++;
      }
      const scan = this.recording.scans[index]!;
      const due = started + loop * loopMs + scan.atMs / this.speed;
      this.timer = setTimeout(
        () => {
          this.inFlight = this.inFlight.then(() => this.publish(scan));
          index++;
          next();
        },
        Math.max(0, due - performance.now()),
      );
    };
    next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private async publish(scan: RecordedScan): Promise<void> {
    // Everything is serialised first with a placeholder `ts` of the same width; the time is taken last, just
    // before the MULTI goes out, so the latency clients measure does not include this process's work.
    const texts: { list: ListName; message: string; snapshot: string }[] = [];
    for (const recorded of scan.messages) {
      const seq = (this.seqs.get(recorded.list) ?? 0) + 1;
      this.seqs.set(recorded.list, seq);
      const msg: ListMessage = { ...recorded, seq, prevSeq: seq - 1, ts: TS_PLACEHOLDER };
      const next = advanceSnapshot(this.held.get(msg.list), msg);
      if (next === 'gap' || next === 'stale')
        throw new RecordingFailed(`replayed ${msg.list} does not follow`);
      this.held.set(msg.list, next);
      texts.push({ list: msg.list, message: JSON.stringify(msg), snapshot: JSON.stringify(next) });
    }
    const now = Date.now();
    // Stream ids must grow: a scan in the same ms as the previous one continues its sequence part.
    let sub = now > this.lastMs ? 0 : this.lastSub + 1;
    this.lastMs = Math.max(now, this.lastMs);
    const ts = `"ts":"${new Date(this.lastMs).toISOString()}"`;
    const multi = this.redis.multi();
    for (const t of texts) {
      // Written here rather than with appendListMessage/putListSnapshot: an explicit id (not '*') whose ms part
      // is exactly the `ts` inside, and text already serialised. Same key, field and JSON as those writers.
      multi.xadd(
        this.k.messagesStream,
        'MAXLEN',
        '~',
        100_000,
        `${this.lastMs}-${sub++}`,
        LIST_MESSAGE_FIELD,
        t.message.replace(TS_FIELD_PLACEHOLDER, ts),
      );
      multi.hset(
        this.k.listSnapshots,
        this.k.listField(t.list),
        t.snapshot.replace(TS_FIELD_PLACEHOLDER, ts),
      );
    }
    this.lastSub = sub - 1;
    try {
      await multi.exec();
      this.published += scan.messages.length;
    } catch {
      this.failures++;
    }
  }
}

/** A `ts` of the width of every ISO time, replaced by the publish time in the serialised text. */
const TS_PLACEHOLDER = '1970-01-01T00:00:00.000Z';
const TS_FIELD_PLACEHOLDER = `"ts":"${TS_PLACEHOLDER}"`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
