import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { keys as makeKeys } from '../shared/bus/keys.js';
import { readListMessages } from '../shared/bus/list-messages.js';
import { readListSnapshots, readListSnapshotsAndLastId } from '../shared/bus/list-snapshots.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { AnyListName as ListName } from '../shared/protocol/messages.js';

/*
 * The fan-out bench's baseline: a plain `ws` server speaking the same protocol for list subscriptions, written
 * the way one usually is — it reads the same Redis stream (the same contract module as the gateway), and sends
 * each message to every subscribed client in a loop. On subscribe it sends each list's snapshot from the
 * snapshots hash (one HGETALL shared by the subscribers waiting for it), and holds back a new subscriber's
 * deltas until that snapshot is out, so the client sees one sequence per list. Heartbeats every 5 s. No
 * conflation, no admission control: that is the point of comparison. Not product code.
 *
 * Usage (started by fanout.bench.ts): `tsx bench/fanout-ws-relay.ts <port> <redis url> <prefix>`.
 */

const [portArg, redisUrl = 'redis://127.0.0.1:6379', prefix = 'scanner'] = process.argv.slice(2);
const k = makeKeys(prefix);
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
const reader = redis.duplicate();
const HEARTBEAT_MS = 5000;

interface Client {
  readonly lists: Set<ListName>;
  /** Deltas held back until the snapshots this client waits for are sent (undefined: none pending). */
  held: { list: ListName; seq: number; data: Buffer }[] | undefined;
}
const clients = new Map<WebSocket, Client>();
const seqs: Record<string, number> = {};

const start = await readListSnapshotsAndLastId(redis, k);
let lastId = start.lastMessageId;

/** Subscribers waiting for the next snapshots read; one read at a time, the next one collects who arrive. */
let waiting: WebSocket[] = [];
let reading = false;
async function readSnapshotsFor(): Promise<void> {
  if (reading || waiting.length === 0) return;
  reading = true;
  const batch = waiting;
  waiting = [];
  try {
    const snapshots = await readListSnapshots(redis, k);
    for (const ws of batch) {
      const c = clients.get(ws);
      if (!c) continue;
      const sent = new Map<ListName, number>();
      for (const l of c.lists) {
        const s = snapshots[l as keyof typeof snapshots];
        if (s?.ok) {
          ws.send(s.json);
          sent.set(l, s.msg.seq);
        }
      }
      for (const d of c.held ?? []) if (d.seq > (sent.get(d.list) ?? 0)) ws.send(d.data, { binary: false });
      c.held = undefined;
    }
  } finally {
    reading = false;
    void readSnapshotsFor();
  }
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(portArg), path: '/ws', maxPayload: 4096 });
wss.on('connection', (ws) => {
  const c: Client = { lists: new Set(), held: undefined };
  clients.set(ws, c);
  ws.on('message', (data: Buffer) => {
    let msg: { op?: string; lists?: string[] };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return;
    }
    if (msg.op !== 'subscribe' || !Array.isArray(msg.lists)) return;
    for (const l of msg.lists.includes('*') ? LIST_NAMES : (msg.lists as ListName[])) c.lists.add(l);
    c.held ??= [];
    waiting.push(ws);
    void readSnapshotsFor();
  });
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => undefined);
});

async function follow(): Promise<void> {
  for (;;) {
    const entries = await readListMessages(reader, k, lastId, { count: 500, blockMs: 5000 });
    for (const e of entries) {
      lastId = e.id;
      if (!e.ok) continue;
      const { list, seq } = e.message;
      seqs[list] = seq;
      // Encoded once, framed per client by ws.
      const data = Buffer.from(e.json);
      for (const [ws, c] of clients) {
        if (!c.lists.has(list)) continue;
        if (c.held) c.held.push({ list, seq, data });
        else ws.send(data, { binary: false });
      }
    }
  }
}

setInterval(() => {
  const data = Buffer.from(JSON.stringify({ type: 'heartbeat', ts: new Date().toISOString(), seqs }));
  for (const ws of clients.keys()) ws.send(data, { binary: false });
}, HEARTBEAT_MS);

process.on('SIGTERM', () => {
  wss.close();
  for (const ws of clients.keys()) ws.terminate();
  reader.disconnect();
  redis.disconnect();
  process.exit(0);
});

await new Promise((r) => wss.once('listening', r));
void follow();
