import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Publisher } from '../../orchestrator/publisher.js';
import { keys as keysFor } from '../../shared/bus/keys.js';
import type { ListMessage, ScanRow } from '../../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../../shared/scan/lists.js';
import { ListClient, type ConnectionStatus } from '../../shared/sdk/list-client.js';
import { testDatabaseUrl, withFreshSchema } from '../utils/db.js';
import { PublishedMarket, rows } from '../utils/gateway-fixture.js';
import { relayTcp } from '../utils/net.js';
import { ip, NetLab, removeLeftovers, type Host } from '../utils/netns.js';
import { storedSnapshot } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';

/*
 * Gateways scale out on several hosts behind one Redis (docs/gateway.md). Proved on a network of namespaces
 * (test/utils/netns.ts): a "redis" host running a private redis-server, two "gateway" hosts each running the
 * real gateway process (gateway/main.ts), and this process as the host of the clients and of the publisher
 * (the orchestrator's own Publisher and ListSequencer, driven here so that the test knows when publishing
 * stops). Every connection between hosts goes to a namespace address, never to loopback. One gateway host is
 * then unplugged from the switch for a few seconds: its TCP connections stall without a reset, as when a host
 * or its link dies. Last, one gateway is cut off from Redis alone, its clients still reaching it.
 */

const root = path.resolve(import.meta.dirname, '../..');
const token = randomBytes(16).toString('hex');
const prefix = `multihost-${randomBytes(4).toString('hex')}`;
const GATEWAY_PORT = 8080;
/** SDK ping period: a connection silent for one to two periods is dropped and reopened. */
const PING_MS = 1500;
/** How long the gateway host stays unplugged: long enough for its clients to give up on their connections. */
const CUT_MS = 6000;

/** `ws` with a handshake timeout: a SYN to an unplugged host is never answered, and the kernel waits ≈ 2 min. */
class HandshakeTimedSocket extends WebSocket {
  constructor(url: string) {
    super(url, { handshakeTimeout: 1000 });
  }
}

/** One SDK client and everything it reported. */
class Watched {
  readonly client: ListClient;
  readonly statuses: ConnectionStatus[] = [];
  readonly resyncs: string[] = [];
  readonly errors: string[] = [];
  readonly applied: { readonly at: number; readonly msg: ListMessage }[] = [];

  constructor(readonly gateway: Host) {
    this.client = new ListClient({
      url: `ws://${gateway.address}:${GATEWAY_PORT}/ws`,
      token,
      WebSocket: HandshakeTimedSocket,
      backoff: { initialMs: 100, maxMs: 500 },
      pingIntervalMs: PING_MS,
    });
    this.client.onStatus((s) => this.statuses.push(s));
    this.client.onResync((list, reason) => this.resyncs.push(`${list}: ${reason}`));
    this.client.onError((e) => this.errors.push(`${e.source}: ${e.message}`));
    this.client.onList((_list, _rows, msg) => this.applied.push({ at: Date.now(), msg }));
    this.client.start();
  }

  appliedBetween(from: number, to: number): number {
    return this.applied.filter((a) => a.at >= from && a.at < to).length;
  }

  /** Each list's applied messages: one snapshot, then deltas each continuing the seq before it. */
  seqBreaks(): string[] {
    const breaks: string[] = [];
    for (const list of LIST_NAMES) {
      const msgs = this.applied.filter((a) => a.msg.list === list).map((a) => a.msg);
      msgs.forEach((m, i) => {
        if (i === 0 ? m.type !== 'snapshot' : m.type !== 'delta' || m.prevSeq !== msgs[i - 1]!.seq)
          breaks.push(`${list}: ${m.type} seq ${m.seq} after seq ${msgs[i - 1]?.seq ?? 'none'}`);
      });
    }
    return breaks;
  }
}

type Changes = Partial<Record<ListName, ScanRow[]>>;

/** A deterministic stream of scans: each changes a few lists, and moves every row it sends materially. */
function scans(): () => Changes {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const pool = Array.from({ length: 40 }, (_, i) => `S${i}`);
  let step = 0;
  return () => {
    step++;
    const changes: Changes = {};
    for (let k = 0; k < 3; k++) {
      const picked = new Set<string>();
      while (picked.size < 8) picked.add(pool[next(pool.length)]!);
      // A new price for every row sent: each is an `add` or an `update` carrying every field that changed,
      // so a client's rows equal the published rows exactly, not only up to the materiality thresholds.
      changes[LIST_NAMES[next(LIST_NAMES.length)]!] = rows([...picked], step);
    }
    return changes;
  };
}

/** Output of a host's process, shown when the test fails. */
function captured(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  return () => out;
}

describe('gateways on two hosts behind one Redis', () => {
  const schema = withFreshSchema();
  const lab = new NetLab();
  const logs = new Map<string, () => string>();
  const closers: (() => Promise<void> | void)[] = [];
  let redisHost: Host;
  let gw1: Host;
  let gw2: Host;
  let redis: Redis;
  const keys = keysFor(prefix);
  /** One market for the whole file: the gateways keep each list's seq from one test to the next. */
  let market: PublishedMarket;
  const nextScan = scans();

  beforeAll(async () => {
    await removeLeftovers();
    await lab.create();
    redisHost = await lab.addHost('redis');
    gw1 = await lab.addHost('gw1');
    gw2 = await lab.addHost('gw2');

    const server = lab.spawn(redisHost, 'redis-server', [
      ...['--bind', redisHost.address, '--port', '6379', '--protected-mode', 'no'],
      ...['--save', '', '--appendonly', 'no'],
    ]);
    logs.set('redis', captured(server));
    redis = new Redis({ host: redisHost.address, port: 6379, maxRetriesPerRequest: null });
    redis.on('error', () => undefined); // refused until redis-server listens: waited for below
    closers.push(() => redis.disconnect());
    await waitFor(() => redis.ping(), { timeoutMs: 10_000, what: 'redis-server on its host' });
    market = new PublishedMarket(new Publisher(redis, keys));
    await market.scan(nextScan());

    // PostgreSQL listens on loopback only: a relay on this host's lab address lets the gateways reach it.
    const db = new URL(testDatabaseUrl);
    const relay = await relayTcp(lab.clientAddress, { host: db.hostname, port: Number(db.port || 5432) });
    closers.push(() => relay.close());
    Object.assign(db, { hostname: lab.clientAddress, port: String(relay.port) });
    db.searchParams.set('options', `-c search_path=${schema.name}`);

    for (const gw of [gw1, gw2]) {
      const child = lab.spawn(gw, process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
        cwd: root,
        env: {
          REDIS_URL: `redis://${redisHost.address}:6379`,
          REDIS_PREFIX: prefix,
          DATABASE_URL: db.toString(),
          GATEWAY_HOST: gw.address,
          GATEWAY_PORT: String(GATEWAY_PORT),
          // Not a loopback bind: tokens are required. The bind address is an accepted Host name by itself.
          GATEWAY_TOKENS: token,
          HEARTBEAT_MS: '1000',
          LOG_LEVEL: 'warn',
        },
      });
      logs.set(gw.name, captured(child));
    }
    for (const gw of [gw1, gw2]) {
      await waitFor(async () => (await fetch(`http://${gw.address}:${GATEWAY_PORT}/health`)).status === 200, {
        timeoutMs: 40_000,
        intervalMs: 200,
        what: `the gateway on ${gw.name} to be healthy`,
      });
    }
  }, 60_000);

  afterAll(async () => {
    try {
      for (const close of closers.reverse()) await close();
    } finally {
      await lab.destroy();
    }
  });

  /**
   * Publishes a scan every 100 ms (the orchestrator's pace under hot tickers) until the returned function is
   * called; it resolves once the last scan is written. `published()` counts the scans so far.
   */
  const startPublishing = () => {
    let publishing = true;
    let count = 0;
    const loop = (async () => {
      while (publishing) {
        await market.scan(nextScan());
        count++;
        await sleep(100);
      }
    })();
    const stop = async () => {
      publishing = false;
      await loop;
    };
    closers.push(async () => {
      publishing = false;
      // A publish to an unreachable Redis waits for it forever: dropping the connection fails it instead.
      redis.disconnect();
      await loop.catch(() => undefined);
    });
    return { stop, published: () => count };
  };

  /** Every watched client holds every list exactly as last published (epoch, seq and rows). */
  const converged = (clients: readonly Watched[]) =>
    waitFor(
      async () => {
        for (const list of LIST_NAMES) {
          const { epoch, seq, rows } = await storedSnapshot(redis, keys, list);
          for (const w of clients)
            expect(w.client.snapshot(list), `${w.gateway.name} ${list}`).toMatchObject({ epoch, seq, rows });
        }
      },
      { timeoutMs: 10_000, what: 'every client to hold the published lists' },
    );

  const health = async (gw: Host) => (await fetch(`http://${gw.address}:${GATEWAY_PORT}/health`)).status;

  /** Adds the hosts' output to a failure's message. */
  const withLogs = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      if (e instanceof Error) e.message += [...logs].map(([host, log]) => `\n--- ${host}\n${log()}`).join('');
      throw e;
    }
  };

  it('serves the REST API from either host over one PostgreSQL', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`http://${gw1.address}:${GATEWAY_PORT}/api/filters`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'made on gw1', parameters: { minPrice: 1 } }),
    });
    expect(created.status).toBe(201);
    const listed = await fetch(`http://${gw2.address}:${GATEWAY_PORT}/api/filters`, { headers });
    expect(listed.status).toBe(200);
    const { filters } = (await listed.json()) as { filters: { name: string }[] };
    expect(filters.map((f) => f.name)).toContain('made on gw1');
  });

  it('keeps one gateway’s clients in step while the other gateway’s host is cut off, whose clients reconnect and converge', async () => {
    await withLogs(async () => {
      const cut = [new Watched(gw1), new Watched(gw1)];
      const kept = [new Watched(gw2), new Watched(gw2)];
      const all = [...cut, ...kept];
      closers.push(() => all.forEach((w) => w.client.stop()));
      await waitFor(() => all.every((w) => LIST_NAMES.every((l) => w.client.snapshot(l))), {
        timeoutMs: 10_000,
        what: 'every client to hold every list',
      });

      const publishing = startPublishing();
      await waitFor(() => all.every((w) => w.applied.length > 30), {
        timeoutMs: 10_000,
        what: 'messages to flow to every client',
      });

      const cutAt = Date.now();
      await lab.unplug(gw1);
      await waitFor(() => cut.every((w) => w.client.status !== 'open'), {
        timeoutMs: 4 * PING_MS,
        what: 'the cut gateway’s clients to give up their connections',
      });
      // The host stays cut for a while: what is asserted below is that gw2's clients notice nothing meanwhile.
      await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
      const publishedWhileCut = publishing.published();
      const plugAt = Date.now();
      await lab.plug(gw1);

      await waitFor(
        () => cut.every((w) => w.client.status === 'open' && w.appliedBetween(plugAt, Infinity) > 10),
        { timeoutMs: 15_000, what: 'the cut gateway’s clients to reconnect and receive messages again' },
      );
      await publishing.stop();

      // Every client, on either gateway, ends up with the lists as the orchestrator last published them.
      await converged(all);

      for (const w of kept) {
        expect(w.statuses, 'gw2 client statuses').toEqual(['connecting', 'open']);
        expect(w.resyncs, 'gw2 client resyncs').toEqual([]);
        expect(w.errors, 'gw2 client errors').toEqual([]);
        expect(w.seqBreaks(), 'gw2 client seq breaks').toEqual([]);
        expect(w.appliedBetween(cutAt, plugAt), 'gw2 messages while gw1 was cut').toBeGreaterThan(20);
      }
      expect(publishedWhileCut).toBeGreaterThan(20);
      for (const w of cut) {
        // Connected, dropped by the ping check, reconnected (attempts while unplugged time out and retry).
        expect(w.statuses.slice(0, 3), 'gw1 client statuses').toEqual(['connecting', 'open', 'closed']);
        expect(w.statuses.at(-1)).toBe('open');
        expect(w.errors, 'gw1 client errors').toContain(
          'transport: no message from the gateway: reconnecting',
        );
        expect(w.appliedBetween(cutAt + 2 * PING_MS, plugAt), 'gw1 messages while cut').toBe(0);
      }
    });
  }, 60_000);

  it('says a gateway cut off from Redis alone is degraded, and catches up as soon as the link is back', async () => {
    await withLogs(async () => {
      const watched = new Watched(gw2);
      closers.push(() => watched.client.stop());
      await converged([watched]);
      const publishing = startPublishing();

      // Only gw2 ↔ redis is cut (routes to nowhere on both sides, silently): gw2's clients still reach it.
      const routes = [
        [gw2.ns, redisHost.address],
        [redisHost.ns, gw2.address],
      ] as const;
      for (const [ns, to] of routes) await ip('-n', ns, 'route', 'add', 'blackhole', `${to}/32`);
      await waitFor(async () => (await health(gw2)) === 503, {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: 'gw2 to report itself degraded while it cannot read the stream',
      });
      for (const [ns, to] of routes) await ip('-n', ns, 'route', 'del', 'blackhole', `${to}/32`);
      const healedAt = Date.now();
      await waitFor(async () => (await health(gw2)) === 200, {
        timeoutMs: 10_000,
        intervalMs: 200,
        what: 'gw2 to read the stream again',
      });
      await waitFor(() => watched.appliedBetween(healedAt, Infinity) > 10, {
        timeoutMs: 10_000,
        what: 'gw2’s client to receive messages again',
      });
      await publishing.stop();
      await converged([watched]);

      // The gateway read the stream on from where it stopped. Its client kept its connection and was never out
      // of step; the catch-up burst may reach it as fresh snapshots rather than every delta (the gateway
      // conflates a client whose socket buffer fills up), so seqs may jump, but only forward, by snapshot.
      expect(watched.statuses).toEqual(['connecting', 'open']);
      expect(watched.resyncs).toEqual([]);
      expect(watched.errors).toEqual([]);
    });
  }, 60_000);
});
