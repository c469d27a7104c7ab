import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { Publisher } from '../orchestrator/publisher.js';
import { keys as keysFor } from '../shared/bus/keys.js';
import type { ScanRow } from '../shared/protocol/messages.js';
import { ListSequencer } from '../shared/scan/deltas.js';
import { LIST_NAMES, type ListName } from '../shared/scan/lists.js';
import { ListClient } from '../shared/sdk/list-client.js';
import { scanRow } from '../test/utils/scan-row.js';

/**
 * How far one Redis carries gateways: `npx tsx bench/gateway-fanout.bench.ts`.
 *
 * A private redis-server (its own port, so nothing else's load is counted), the orchestrator's Publisher and
 * ListSequencer publishing scans at a fixed pace, and 0, 1, 2 then 4 real gateway processes (gateway/main.ts,
 * each with one SDK client subscribed to every list, to prove the messages go through). For each gateway count
 * and pace, over a window: Redis's own CPU (INFO cpu), its XREAD calls and the entries they returned, every
 * command it ran, the bytes it sent, and each gateway's CPU (/proc). Redis's load from the gateways does not
 * depend on how many clients they serve: the fan-out to clients is the gateways' own (uWS topics).
 *
 * Each scan changes all 11 lists (20 rows each, from a universe of 300 symbols): two symbols enter and two leave
 * each list (the others move up or down two ranks) and every row's price, change and volume move materially:
 * the busy hour of a hot market. The gateways get
 * DATABASE_URL = a closed port: a gateway starts and serves its lists without PostgreSQL.
 *
 * Knobs: BENCH_GATEWAYS (default "0,1,2,4"), BENCH_PACES (scans a second, default "4,20": the orchestrator's
 * default MAX_SCANS_PER_SECOND, and five times it), BENCH_WINDOW_MS (default 15000).
 */

const root = path.resolve(import.meta.dirname, '..');
const counts = (process.env.BENCH_GATEWAYS ?? '0,1,2,4').split(',').map(Number);
const paces = (process.env.BENCH_PACES ?? '4,20').split(',').map(Number);
const windowMs = Number(process.env.BENCH_WINDOW_MS ?? 15_000);
const WARMUP_MS = 3000;
const LIST_ROWS = 20;
const UNIVERSE = 300;

const port = 20_000 + Math.floor(Math.random() * 20_000);
const redisServer = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
const redis = new Redis({ port, maxRetriesPerRequest: null });
redis.on('error', () => undefined); // refused while redis-server boots
for (let i = 0; (await redis.ping().catch(() => '')) !== 'PONG'; i++) {
  if (i > 100) throw new Error('redis-server did not start');
  await sleep(50);
}
const prefix = `fanout-${randomUUID()}`;
const keys = keysFor(prefix);

/**
 * A row as the orchestrator sends it, every field filled (nulls would understate the sizes). What a hot ticker's
 * second changes moves with `step` (price, change, volume, time); the rest is the symbol's own.
 */
function row(symbol: string, rank: number, step: number): ScanRow {
  const base = 5 + (Number(symbol.slice(1)) % 50);
  const price = base + step * 0.05;
  return scanRow(symbol, rank, {
    companyName: `${symbol} Holdings Inc.`,
    price,
    change: price - base + 0.42,
    changePercent: ((price - base + 0.42) / (base - 0.42)) * 100,
    volumeToday: 1_000_000 + step * 5000,
    rvol: 3.1,
    rvolSlot: 2.7,
    gapFromOpen: 1.2,
    gapFromOpenDollars: 0.3,
    gapAtOpen: 2.5,
    gapPremarket: 2.1,
    priceFromHigh: -0.8,
    priceFromLow: 6.3,
    volumeRatio: 1.9,
    floatRotation: 0.04,
    dollarVolume: 25_000_000,
    change1m: 0.3,
    change5m: 1.1,
    change15m: 2.4,
    volume5m: 45_000 + step * 500,
    rangePosition: 62.5,
    vwap: base + 0.8,
    priceFromVwap: 1.4,
    spreadPercent: 0.08,
    score: 40 - rank,
    high: base + 2,
    low: base - 1,
    open: base,
    prevClose: base - 0.42,
    marketCap: 1_200_000_000,
    floatShares: 80_000_000,
    sector: 'Technology',
    exchange: 'XNAS',
    filtersMatched: ['momentum', 'liquid'],
    updatedAt: new Date(Date.UTC(2026, 2, 2, 15) + step * 1000).toISOString(),
  });
}

/** The market's lists: each a window onto the universe that slides by two symbols a scan. */
const sequencer = new ListSequencer(() => randomUUID());
const publisher = new Publisher(redis, keys);
let step = 0;
let entries = 0;
let entryBytes = 0;
async function publishScan(): Promise<void> {
  step++;
  const ts = new Date().toISOString();
  const lists = Object.fromEntries(
    LIST_NAMES.map((l, k) => {
      const from = (k * 25 + step * 2) % UNIVERSE;
      const symbols = Array.from({ length: LIST_ROWS }, (_, i) => `S${(from + i) % UNIVERSE}`);
      return [l, symbols.map((s, i) => row(s, i + 1, step))];
    }),
  ) as Record<ListName, ScanRow[]>;
  const messages = LIST_NAMES.flatMap((l) => sequencer.publish(l, lists[l], ts) ?? []);
  await publisher.publish({ ts, messages, state: sequencer.state()! });
  entries += messages.length;
  for (const m of messages) entryBytes += JSON.stringify(m).length;
}

let pace = paces[0]!;
let running = true;
const publishing = (async () => {
  while (running) {
    const started = performance.now();
    await publishScan();
    await sleep(Math.max(0, 1000 / pace - (performance.now() - started)));
  }
})();

interface Gateway {
  readonly child: ChildProcess;
  readonly client: ListClient;
  received: number;
}
const gateways: Gateway[] = [];

async function startGateway(): Promise<void> {
  const gatewayPort = port + 1 + gateways.length;
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      REDIS_PREFIX: prefix,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      GATEWAY_PORT: String(gatewayPort),
      LOG_LEVEL: 'warn',
    },
  });
  for (let i = 0; ; i++) {
    const res = await fetch(`http://127.0.0.1:${gatewayPort}/health`).catch(() => undefined);
    if (res?.status === 200) break;
    if (i > 600 || child.exitCode !== null) throw new Error('a gateway did not start');
    await sleep(100);
  }
  const client = new ListClient({ url: `ws://127.0.0.1:${gatewayPort}/ws`, WebSocket });
  const gateway: Gateway = { child, client, received: 0 };
  client.onList(() => gateway.received++);
  client.onError((e) => console.error(`gateway ${gatewayPort}'s client: ${e.message}`));
  client.start();
  gateways.push(gateway);
}

/** utime + stime of a process, in seconds (/proc/<pid>/stat, clock ticks of 10 ms). */
async function cpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Sample {
  readonly at: number;
  readonly redisCpu: number;
  readonly xreadCalls: number;
  readonly xreadUsec: number;
  readonly commands: number;
  readonly netOut: number;
  readonly entries: number;
  readonly entryBytes: number;
  readonly gatewayCpu: number;
  readonly received: number;
}

async function sample(): Promise<Sample> {
  const info = await redis.info('all');
  const num = (re: RegExp) => Number(re.exec(info)?.[1] ?? 0);
  let commands = 0;
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) commands += Number(m[1]);
  let gatewayCpu = 0;
  for (const g of gateways) gatewayCpu += await cpuSeconds(g.child.pid!);
  return {
    at: performance.now(),
    redisCpu: num(/^used_cpu_sys:([\d.]+)/m) + num(/^used_cpu_user:([\d.]+)/m),
    xreadCalls: num(/^cmdstat_xread:calls=(\d+)/m),
    xreadUsec: num(/^cmdstat_xread:calls=\d+,usec=(\d+)/m),
    commands,
    netOut: num(/^total_net_output_bytes:(\d+)/m),
    entries,
    entryBytes,
    gatewayCpu,
    received: gateways.reduce((n, g) => n + g.received, 0),
  };
}

const rows: Record<string, string | number>[] = [];
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : '—');

for (const n of counts) {
  while (gateways.length < n) await startGateway();
  for (const p of paces) {
    pace = p;
    await sleep(WARMUP_MS);
    const a = await sample();
    await sleep(windowMs);
    const b = await sample();
    const s = (b.at - a.at) / 1000;
    const xreads = b.xreadCalls - a.xreadCalls;
    const published = b.entries - a.entries;
    rows.push({
      gateways: n,
      'scans/s': fixed(published / 11 / s),
      'entries/s': fixed(published / s),
      'entry bytes': Math.round((b.entryBytes - a.entryBytes) / published),
      'redis CPU %': fixed(((b.redisCpu - a.redisCpu) / s) * 100),
      'XREAD/s per gw': n === 0 ? '—' : fixed(xreads / s / n),
      'entries per XREAD': n === 0 ? '—' : fixed((published * n) / xreads),
      'µs per XREAD': n === 0 ? '—' : fixed((b.xreadUsec - a.xreadUsec) / xreads),
      'commands/s': fixed((b.commands - a.commands) / s),
      'redis out KB/s': fixed((b.netOut - a.netOut) / 1024 / s),
      'gw CPU % each': n === 0 ? '—' : fixed(((b.gatewayCpu - a.gatewayCpu) / s / n) * 100),
      'client msgs/s each': n === 0 ? '—' : fixed((b.received - a.received) / s / n),
    });
  }
}

running = false;
await publishing;
for (const g of gateways) {
  g.client.stop();
  g.child.kill('SIGTERM');
  await once(g.child, 'exit');
}
redis.disconnect();
redisServer.kill('SIGKILL');
console.log(
  `node ${process.version}, ${new Date().toISOString()}, window ${windowMs / 1000} s per row, ` +
    `11 lists × ${LIST_ROWS} rows, every list changed by every scan`,
);
console.table(rows);
