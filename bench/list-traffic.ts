import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { keys } from '../shared/bus/keys.js';
import { DEFLATE_V1_PROTOCOL, deflateDictionaryV1 } from '../shared/protocol/deflate-dictionary.js';
import { LIST_MESSAGE_FIELD } from '../shared/bus/list-messages.js';
import { ensureDatabase, migrate } from '../shared/db/migrate.js';
import type { ListMessage } from '../shared/protocol/messages.js';
import { measureAsync, percentile } from './stats.js';

/**
 * What a client following every list receives (SPEC §6, §8), measured on the real orchestrator process with the
 * simulated market at the default cadence (FEED=sim, SIM_SPEED 1, SNAPSHOT_INTERVAL_MS 5000, hot rescans up to
 * MAX_SCANS_PER_SECOND), not on a model of it:
 *
 *   npx tsx bench/list-traffic.ts [--seconds 60] [--tickers 12000] [--compression shared|off] [--clients 1]
 *                                 [--dump messages.ndjson]
 *
 * It runs the orchestrator and a gateway (`--compression`, default shared) for `--seconds` after the first scan,
 * reads the list-messages stream (each entry's JSON is what the gateway forwards to a subscriber as is) and
 * prints the size of list messages (the first scan's snapshots apart: a subscriber gets a snapshot once), the
 * bytes per second a client subscribed to every list receives — from the stream (as JSON, and deflated as the
 * `scanner.deflate.v1` encoding sends it), and on the wire for a `ws` client without permessage-deflate, one
 * asking for `scanner.deflate.v1`, and `--clients` clients offering permessage-deflate — with the gateway's
 * CPU, and what one
 * scan's publish MULTI carries and costs (sequencer state key, snapshot hash fields, stream entries), replayed
 * against the same Redis under a scratch prefix.
 */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scanner_bench';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    tickers: { type: 'string', default: '12000' },
    /** Also write the messages read (NDJSON), to see what costs bytes. */
    dump: { type: 'string' },
    /** GATEWAY_COMPRESSION of the gateway the clients read from. */
    compression: { type: 'string', default: 'shared' },
    /** Clients offering permessage-deflate (besides the one that does not). */
    clients: { type: 'string', default: '1' },
  },
  strict: true,
});
const seconds = Number(args.seconds);
const tickers = Number(args.tickers);

await ensureDatabase(DATABASE_URL);
await migrate(DATABASE_URL);
const prefix = `bench-traffic-${randomUUID()}`;
const k = keys(prefix);
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const entry = path.join(import.meta.dirname, '..', 'orchestrator', 'main.ts');
const gatewayPort = 20_000 + Math.floor(Math.random() * 20_000);
const gatewayEnv = {
  ...process.env,
  REDIS_URL,
  REDIS_PREFIX: prefix,
  DATABASE_URL,
  LOG_LEVEL: 'warn',
  GATEWAY_PORT: String(gatewayPort),
  GATEWAY_COMPRESSION: args.compression,
};
const gatewayEntry = path.join(import.meta.dirname, '..', 'gateway', 'main.ts');
const gateway = spawn(process.execPath, ['--import', 'tsx', gatewayEntry], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: gatewayEnv,
});
const child = spawn(process.execPath, ['--import', 'tsx', entry], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: {
    ...process.env,
    FEED: 'sim',
    SIM_TICKERS: String(tickers),
    SIM_START: 'MARKET_OPEN',
    WORKER_THREADS: '1',
    REDIS_URL,
    REDIS_PREFIX: prefix,
    DATABASE_URL,
    LOG_LEVEL: 'warn',
  },
});
let stderr = '';
child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));

const kb = (bytes: number): string => (bytes / 1024).toFixed(2);
/** A client subscribed to every list; `bytes()` = what its socket read (frames as on the wire). */
async function client(
  deflate: boolean,
  protocols: string[] = [],
): Promise<{ bytes: () => number; close: () => void }> {
  for (let attempt = 0; ; attempt++) {
    const ws = new WebSocket(`ws://127.0.0.1:${gatewayPort}/ws`, protocols, { perMessageDeflate: deflate });
    try {
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    } catch (err) {
      if (attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    ws.send(JSON.stringify({ op: 'subscribe', lists: ['*'] }));
    const socket = (ws as unknown as { _socket: Socket })._socket;
    return { bytes: () => socket.bytesRead, close: () => ws.terminate() };
  }
}
/** User + system CPU time of a process so far, ms (clock ticks of /proc/pid/stat at 100 Hz). */
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const clients: { bytes: () => number; close: () => void }[] = [];
try {
  // Wait for the first scan, then measure for `seconds` of wall time.
  const deadline = Date.now() + 180_000;
  while ((await redis.xlen(k.messagesStream)) === 0) {
    if (child.exitCode !== null) throw new Error(`orchestrator exited (${child.exitCode}):\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`no scan published:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  clients.push(await client(false));
  clients.push(await client(false, [DEFLATE_V1_PROTOCOL]));
  for (let i = 0; i < Number(args.clients); i++) clients.push(await client(true));
  // Their first snapshots are in; from here on, deltas.
  await new Promise((r) => setTimeout(r, 1000));
  const bytesAtStart = clients.map((c) => c.bytes());
  const gatewayCpuAtStart = cpuMs(gateway.pid!);
  const startedMs = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wire = clients.map((c, i) => c.bytes() - bytesAtStart[i]!);
  const gatewayCpu = cpuMs(gateway.pid!) - gatewayCpuAtStart;
  const entries = await redis.xrange(k.messagesStream, '-', '+');
  const windowS = (Date.now() - startedMs) / 1000;
  const state = await redis.get(k.sequencerState);
  const hash = await redis.hgetall(k.listSnapshots);

  const messages = entries.map(([id, fields]) => {
    const json = fields[fields.indexOf(LIST_MESSAGE_FIELD) + 1]!;
    return { id, json, bytes: Buffer.byteLength(json), msg: JSON.parse(json) as ListMessage };
  });
  if (args.dump) writeFileSync(args.dump, messages.map((m) => m.json + '\n').join(''));
  const firstTs = messages[0]!.msg.ts;
  const initial = messages.filter((m) => m.msg.ts === firstTs);
  const later = messages.filter((m) => m.msg.ts !== firstTs);
  const sizes = later.map((m) => m.bytes);
  const scans = new Set(later.map((m) => m.msg.ts)).size;
  const counts: Record<string, number> = {};
  const updateFields: number[] = [];
  for (const m of later)
    if (m.msg.type === 'delta')
      for (const d of m.msg.deltas) {
        counts[d.action] = (counts[d.action] ?? 0) + 1;
        if (d.action === 'update') updateFields.push(Object.keys(d.fields).length);
      }
  const total = sizes.reduce((a, b) => a + b, 0);
  // What the gateway sends a scanner.deflate.v1 client: each message deflated once with the v1 dictionary.
  const deflated = later.reduce(
    (a, m) => a + zlib.deflateRawSync(m.json, { level: 6, dictionary: deflateDictionaryV1() }).length,
    0,
  );
  console.log(
    `FEED=sim, ${tickers} tickers, default cadence, ${windowS.toFixed(1)} s after the first scan (${scans} scans)`,
  );
  console.table({
    'first scan (snapshots)': { messages: initial.length, KB: kb(initial.reduce((a, m) => a + m.bytes, 0)) },
  });
  console.table({
    'list messages after the first scan': {
      messages: later.length,
      'mean B': Math.round(total / Math.max(1, later.length)),
      'p50 B': later.length ? percentile(sizes, 50) : 0,
      'p95 B': later.length ? percentile(sizes, 95) : 0,
      'max B': later.length ? Math.max(...sizes) : 0,
      'KB/s (client on every list)': kb(total / windowS),
      [`KB/s as ${DEFLATE_V1_PROTOCOL}`]: kb(deflated / windowS),
    },
  });
  console.table({
    [`on the wire from the gateway (GATEWAY_COMPRESSION=${args.compression})`]: {
      'KB/s, client without deflate': kb(wire[0]! / windowS),
      [`KB/s, ${DEFLATE_V1_PROTOCOL} client`]: kb(wire[1]! / windowS),
      'KB/s, client offering permessage-deflate': kb(
        wire.slice(2).reduce((a, b) => a + b, 0) / Math.max(1, wire.length - 2) / windowS,
      ),
      clients: clients.length,
      'gateway CPU ms/s': (gatewayCpu / windowS).toFixed(1),
    },
  });
  console.log(
    'deltas by action:',
    counts,
    `fields per update: mean ${(updateFields.reduce((a, b) => a + b, 0) / Math.max(1, updateFields.length)).toFixed(1)}`,
  );

  // One scan's publish MULTI: every list's snapshot field, the sequencer state and a typical scan's messages.
  const perScan = later.length / Math.max(1, scans);
  const typical = later.slice(0, Math.max(1, Math.round(perScan))).map((m) => m.json);
  const hashBytes = Object.values(hash).reduce((a, v) => a + Buffer.byteLength(v), 0);
  const scratch = keys(`${prefix}-multi`);
  const hashFields = Object.entries(hash).slice(0, typical.length);
  const multiMs = await measureAsync(async () => {
    const multi = redis.multi();
    for (const json of typical) multi.xadd(scratch.messagesStream, 'MAXLEN', '~', 1000, '*', 'm', json);
    for (const [f, v] of hashFields) multi.hset(scratch.listSnapshots, f, v);
    if (state !== null) multi.set(scratch.sequencerState, state);
    await multi.exec();
  }, 200);
  const multiBytes =
    typical.reduce((a, j) => a + Buffer.byteLength(j), 0) +
    hashFields.reduce((a, [, v]) => a + Buffer.byteLength(v), 0) +
    Buffer.byteLength(state ?? '');
  console.table({
    'sequencer state key': { KB: kb(Buffer.byteLength(state ?? '')) },
    'snapshots hash (11 lists)': { KB: kb(hashBytes) },
    [`one scan's MULTI (${typical.length} messages + snapshots + state)`]: {
      KB: kb(multiBytes),
      'p50 ms': percentile(multiMs, 50).toFixed(3),
      'p95 ms': percentile(multiMs, 95).toFixed(3),
    },
  });
} finally {
  for (const c of clients) c.close();
  for (const p of [child, gateway]) {
    p.kill('SIGTERM');
    if (p.exitCode === null) await new Promise((r) => p.once('exit', r));
  }
  const found = await redis.keys(`${prefix}*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
}
