import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { DEFLATE_V1_PROTOCOL } from '../shared/protocol/deflate-dictionary.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { LoadgenCommand, LoadgenConfig, LoadgenReply, WindowStats } from './fanout-loadgen.js';
import {
  deletePrefix,
  describeRecording,
  recordOrchestrator,
  ReplayPublisher,
  type Recording,
} from './fanout-recording.js';
import { cpuMs, freePort, openFilesLimit, rssMb, startNode, stopChild, waitForPort } from './fanout-procs.js';
import { LatencyHistogram } from './fanout-stats.js';
import { formatRow, printFanout } from './fanout-report.js';

/*
 * Fan-out: the gateway (gateway/main.ts, its own process) against a plain `ws` relay (fanout-ws-relay.ts), each
 * serving N clients subscribed to every list, under the same replayed stream of list messages.
 *
 *   npx tsx bench/fanout.bench.ts [--clients 1000,5000,10000] [--cadence default,busy|<speed>] [--seconds 15]
 *     [--servers gateway,gateway-deflate,ws] [--record-seconds 75] [--pin 0:1|none] [--per-address 1000]
 *     [--save-recording file.json | --recording file.json]
 *
 * Order: record the real orchestrator once (FEED=sim, 5 s snapshots and hot rescans), then for each cadence,
 * client count and server: publish the first scan, start the server pinned to one core, start the load
 * generator pinned to the other, connect every client and wait for their snapshots, start the replay, warm up,
 * and measure a window. Figures come from the load generator (what clients received) and /proc (CPU, RSS).
 */

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scanner_bench';
const WARMUP_MS = 2000;
const compiled = import.meta.url.endsWith('.js');
const ext = compiled ? '.js' : '.ts';
const root = path.join(import.meta.dirname, '..');

/** `gateway-deflate`: the same gateway, its clients asking for `scanner.deflate.v1` (list messages deflated). */
export type ServerKind = 'gateway' | 'gateway-deflate' | 'ws';

export interface FanoutOptions {
  readonly clients: readonly number[];
  /** Replay speeds with their names: default = 1 (the recorded pace), busy = 5. */
  readonly cadences: readonly { readonly name: string; readonly speed: number }[];
  readonly servers: readonly ServerKind[];
  readonly seconds: number;
  readonly recordSeconds: number;
  readonly tickers: number;
  /** taskset CPU lists for the server and the load generator; undefined: not pinned. */
  readonly pin: { readonly server: string; readonly loadgen: string } | undefined;
  /** Clients per loopback source address. */
  readonly perAddress: number;
  /** Replay this recording (JSON written by `saveRecording`) instead of recording the orchestrator. */
  readonly recording?: string | undefined;
  /** Where to write the recording made, to repeat a run on the same messages. */
  readonly saveRecording?: string | undefined;
}

export interface FanoutRow {
  readonly server: ServerKind;
  readonly cadence: string;
  readonly clients: number;
  readonly connected: number;
  readonly windowS: number;
  /** List messages the publisher sent per second (what each client should receive). */
  readonly publishedPerS: number;
  readonly deliveredPerS: number;
  /** Delivered / (published × connected clients). */
  readonly deliveredShare: number;
  readonly kbPerClientPerS: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number;
  readonly serverCpuPct: number | undefined;
  readonly serverRssMb: number | undefined;
  readonly serverPeakRssMb: number | undefined;
  readonly loadgenCpuPct: number;
  readonly redisCpuPct: number | undefined;
  readonly closedInWindow: number;
  /** gateway-deflate: frames the sampled clients could not inflate to a list message (0 expected). */
  readonly badFrames: number;
  /** The gateway's conflations (slow clients' deltas paused) by the window's end, from its /metrics. */
  readonly conflations: number | undefined;
  readonly rampS: number;
  /** Server start to listening, and ramp end to every client holding its snapshots, s. */
  readonly startS: number;
  readonly settleS: number;
}

/** Talks to the load generator over IPC: one command, its one reply. */
function ask(child: ChildProcess, command: LoadgenCommand, timeoutMs = 120_000): Promise<LoadgenReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`load generator: no reply to ${command.cmd}`)),
      timeoutMs,
    );
    child.once('message', (m: LoadgenReply) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.send(command);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runOne(
  redis: Redis,
  redisPid: number | undefined,
  recording: Recording,
  server: ServerKind,
  clients: number,
  cadence: { name: string; speed: number },
  options: FanoutOptions,
): Promise<FanoutRow> {
  const prefix = `bench-fanout-${randomUUID()}`;
  const publisher = new ReplayPublisher(redis, prefix, recording, cadence.speed);
  await publisher.publishFirst();
  const port = await freePort();
  const env = {
    ...process.env,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    DATABASE_URL,
    LOG_LEVEL: 'warn',
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    // Raised for the bench: every client comes from a few loopback addresses. The admission check still runs.
    GATEWAY_MAX_CONNECTIONS_PER_IP: String(Math.max(clients, 200)),
    GATEWAY_MAX_UPGRADES_PER_SECOND: '1000000',
  };
  const isGateway = server !== 'ws';
  const serverEntry = isGateway
    ? path.join(root, 'gateway', `main${ext}`)
    : path.join(import.meta.dirname, `fanout-ws-relay${ext}`);
  const serverArgs = isGateway ? [] : [String(port), REDIS_URL, prefix];
  const child = startNode(serverEntry, serverArgs, { env, placement: { cpus: options.pin?.server } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let loadgen: ChildProcess | undefined;
  try {
    const spawned = performance.now();
    await waitForPort(port, child, () => stderr);
    const startS = (performance.now() - spawned) / 1000;
    const config: LoadgenConfig = {
      port,
      clients,
      perAddress: options.perAddress,
      concurrency: 200,
      protocol: server === 'gateway-deflate' ? DEFLATE_V1_PROTOCOL : undefined,
    };
    loadgen = startNode(path.join(import.meta.dirname, `fanout-loadgen${ext}`), [JSON.stringify(config)], {
      env: process.env,
      placement: { cpus: options.pin?.loadgen },
      ipc: true,
    });
    const connected = (await ask(loadgen, { cmd: 'connect' })) as Extract<
      LoadgenReply,
      { type: 'connected' }
    >;
    const rampEnd = performance.now();
    await waitForSnapshots(loadgen, connected.open * recording.scans[0]!.messages.length);
    const settleS = (performance.now() - rampEnd) / 1000;

    publisher.start();
    await sleep(WARMUP_MS);
    const streamS = recording.spanMs / 1000 / cadence.speed;
    // The replay loops past its end (re-sending every snapshot); the window ends before that.
    const windowMs = Math.max(1000, Math.min(options.seconds, streamS - WARMUP_MS / 1000 - 1) * 1000);
    const pid = child.pid;
    const before = { server: cpuMs(pid), redis: cpuMs(redisPid), published: publisher.published };
    await ask(loadgen, { cmd: 'window-start' });
    const t0 = performance.now();
    let peak = 0;
    while (performance.now() - t0 < windowMs) {
      await sleep(Math.min(500, windowMs - (performance.now() - t0)));
      peak = Math.max(peak, rssMb(pid) ?? 0);
    }
    const w = (await ask(loadgen, { cmd: 'window-end' })) as WindowStats;
    const elapsedS = (performance.now() - t0) / 1000;
    const after = { server: cpuMs(pid), redis: cpuMs(redisPid), published: publisher.published };
    // Read once the replay and the clients are gone: an overloaded gateway answers HTTP late (a /metrics
    // scrape during a saturated 5,000-client busy run took 67 s). The counter only grows while clients are on.
    await publisher.stop();
    await stopChild(loadgen);
    const conflations = isGateway ? await gatewayCounter(port, 'conflations_total') : undefined;
    const histogram = new LatencyHistogram();
    histogram.merge(w.histogram, w.maxLatencyMs);
    const published = after.published - before.published;
    const delivered = w.snapshots + w.deltas;
    const pct = (a: number | undefined, b: number | undefined): number | undefined =>
      a === undefined || b === undefined ? undefined : (b - a) / 10 / elapsedS;
    return {
      server,
      cadence: cadence.name,
      clients,
      connected: w.open,
      windowS: w.seconds,
      publishedPerS: published / w.seconds,
      deliveredPerS: delivered / w.seconds,
      deliveredShare: published * w.open === 0 ? 0 : delivered / (published * w.open),
      kbPerClientPerS: w.open === 0 ? 0 : w.bytes / 1000 / w.open / w.seconds,
      p50Ms: histogram.percentile(50),
      p99Ms: histogram.percentile(99),
      maxMs: histogram.max,
      serverCpuPct: pct(before.server, after.server),
      serverRssMb: rssMb(pid),
      serverPeakRssMb: peak,
      loadgenCpuPct: w.cpuMs / 10 / w.seconds,
      redisCpuPct: pct(before.redis, after.redis),
      closedInWindow: w.closed,
      badFrames: w.badFrames,
      conflations,
      rampS: connected.rampMs / 1000,
      startS,
      settleS,
    };
  } finally {
    const steps: string[] = [];
    const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
      const t = performance.now();
      await fn();
      const s = (performance.now() - t) / 1000;
      if (s > 2) steps.push(`${name} ${s.toFixed(1)} s`);
    };
    await step('replay stop', () => publisher.stop());
    if (loadgen) await step('load generator stop', () => stopChild(loadgen!));
    await step('server stop', () => stopChild(child));
    await step('cleanup', () => deletePrefix(redis, prefix));
    if (steps.length) console.log(`    slow to stop: ${steps.join(', ')}`);
  }
}

/** One of the gateway's own counters (`scanner_gateway_<name>`), read from its /metrics. */
async function gatewayCounter(port: number, name: string): Promise<number | undefined> {
  try {
    const reply = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(15_000) });
    const text = await reply.text();
    const value = new RegExp(`^scanner_gateway_${name} (\\S+)$`, 'm').exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/** Waits until the clients hold their first snapshots (or their count stops growing for 3 s). */
async function waitForSnapshots(loadgen: ChildProcess, expected: number): Promise<void> {
  let last = -1;
  let stableSince = performance.now();
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const s = (await ask(loadgen, { cmd: 'status' })) as Extract<LoadgenReply, { type: 'status' }>;
    if (s.snapshots >= expected) return;
    if (s.snapshots !== last) {
      last = s.snapshots;
      stableSince = performance.now();
    } else if (performance.now() - stableSince > 3000) return;
    await sleep(250);
  }
}

export async function benchFanout(options: FanoutOptions): Promise<FanoutRow[]> {
  const limit = openFilesLimit();
  const most = Math.max(...options.clients);
  if (most + 256 > limit)
    throw new Error(
      `${most} clients need an open-files limit above ${most + 256} (hard limit ${limit}): ulimit -Hn`,
    );
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]) || undefined;
    const recStarted = performance.now();
    const recording = options.recording
      ? (JSON.parse(readFileSync(options.recording, 'utf8')) as Recording)
      : await recordOrchestrator({
          redis,
          redisUrl: REDIS_URL,
          databaseUrl: DATABASE_URL,
          seconds: options.recordSeconds,
          tickers: options.tickers,
        });
    if (options.saveRecording) writeFileSync(options.saveRecording, JSON.stringify(recording));
    const d = describeRecording(recording);
    console.log(
      (options.recording
        ? `Replaying ${options.recording}: `
        : `Recorded the orchestrator (FEED=sim, ${options.tickers} tickers) in ${((performance.now() - recStarted) / 1000).toFixed(0)} s: `) +
        `${d.scans} scans over ${d.spanS.toFixed(1)} s, ${d.messagesPerS.toFixed(1)} list messages/s, ` +
        `${(d.bytesPerS / 1000).toFixed(1)} KB/s of messages after the first scan (every list subscribed).`,
    );
    const rows: FanoutRow[] = [];
    for (const cadence of options.cadences)
      for (const clients of options.clients)
        for (const server of options.servers) {
          const began = performance.now();
          const row = await runOne(redis, redisPid, recording, server, clients, cadence, options);
          const took = (performance.now() - began) / 1000;
          console.log(
            `${formatRow(row)}\n    run ${took.toFixed(0)} s: start ${row.startS.toFixed(1)} s, ramp ${row.rampS.toFixed(1)} s, ` +
              `snapshots ${row.settleS.toFixed(1)} s, window ${row.windowS.toFixed(1)} s, warm-up and stopping ` +
              `${(took - row.startS - row.rampS - row.settleS - row.windowS).toFixed(1)} s`,
          );
          rows.push(row);
        }
    return rows;
  } finally {
    redis.disconnect();
  }
}

const CADENCES: Record<string, number> = { default: 1, busy: 5 };

export function parseFanoutArgs(argv: readonly string[]): FanoutOptions {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (s: string): string[] => s.split(',').filter(Boolean);
  // Pinning the server and the load generator apart needs two CPUs.
  const pin = get('pin') ?? (availableParallelism() >= 2 ? '0:1' : 'none');
  const [server, loadgen] = pin.split(':');
  return {
    clients: list(get('clients') ?? '1000,5000,10000').map(Number),
    cadences: list(get('cadence') ?? 'default,busy').map((c) => ({
      name: c,
      speed: CADENCES[c] ?? Number(c),
    })),
    servers: list(get('servers') ?? 'gateway,ws') as ServerKind[],
    seconds: Number(get('seconds') ?? 15),
    recordSeconds: Number(get('record-seconds') ?? 75),
    tickers: Number(get('tickers') ?? 12_000),
    pin: pin === 'none' || !server || !loadgen ? undefined : { server, loadgen },
    perAddress: Number(get('per-address') ?? 1000),
    recording: get('recording'),
    saveRecording: get('save-recording'),
  };
}

export async function runFanoutCli(argv: readonly string[]): Promise<void> {
  const options = parseFanoutArgs(argv);
  for (const c of options.cadences) if (!(c.speed > 0)) throw new Error(`unknown cadence ${c.name}`);
  const started = performance.now();
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `Fan-out: ${options.servers.join(' vs ')}, clients ${options.clients.join(', ')}, cadences ` +
      `${options.cadences.map((c) => `${c.name} (×${c.speed})`).join(', ')}, ${LIST_NAMES.length} lists each; ` +
      `pinned ${options.pin ? `server CPU ${options.pin.server}, load generator CPU ${options.pin.loadgen}` : 'no'}; ` +
      `load average ${load()}`,
  );
  const rows = await benchFanout(options);
  printFanout(rows);
  console.log(`Done in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${load()}`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runFanoutCli(process.argv.slice(2));
}
