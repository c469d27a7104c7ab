import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ListMessage, ServerMessage } from '../shared/protocol/messages.js';
import { applyListMessage } from '../test/utils/list-model.js';
import { LIST_NAMES, type ListName } from '../shared/scan/lists.js';
import { GatewayFixture, rows, TS } from '../test/utils/gateway-fixture.js';
import { waitFor } from '../test/utils/wait.js';
import { WsTestClient as Client } from '../test/utils/ws-test-client.js';
import { LIST_FEED_CONNECTION_NAME } from './list-feed.js';
import type { Gateway } from './server.js';

const isList =
  (list: ListName, seq: number) =>
  (m: ServerMessage): m is ListMessage =>
    (m.type === 'snapshot' || m.type === 'delta') && m.list === list && m.seq === seq;

/** Applies a client's messages of `list` in order, checking seqs are contiguous except across snapshots. */
function follow(messages: readonly ListMessage[]): { symbols: string[]; seq: number } {
  let symbols: string[] = [];
  let seq = 0;
  for (const m of messages) {
    if (m.type === 'delta') expect(m.prevSeq).toBe(seq);
    symbols = applyListMessage(symbols, m);
    seq = m.seq;
  }
  return { symbols, seq };
}

describe('gateway', () => {
  let fx: GatewayFixture;
  const clients: Client[] = [];
  async function connect(g: Gateway, query = '', headers: Record<string, string> = {}): Promise<Client> {
    const c = await Client.open(`ws://127.0.0.1:${g.port}/ws${query}`, headers);
    clients.push(c);
    return c;
  }

  beforeEach(async () => {
    fx = new GatewayFixture();
    await fx.market.scan({ gappers_up: rows(['AAA', 'BBB', 'CCC']), winners: rows(['WIN']) });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await fx.cleanup();
  });

  it('sends the snapshot then every delta in seq order; applying them gives what was published', async () => {
    const g = await fx.start();
    const c = await connect(g);
    c.send({ op: 'subscribe', lists: ['gappers_up'] });
    await c.waitFor(isList('gappers_up', 1));
    const sequences = [
      ['BBB', 'AAA', 'CCC'],
      ['BBB', 'DDD', 'AAA'],
      ['EEE', 'DDD'],
      ['DDD', 'EEE', 'FFF', 'GGG'],
      ['GGG', 'FFF', 'EEE', 'DDD'],
    ];
    for (const [i, symbols] of sequences.entries())
      await fx.market.scan({ gappers_up: rows(symbols, i + 1) });
    await c.waitFor(isList('gappers_up', 6));
    expect(c.listMessages().every((m) => m.list === 'gappers_up')).toBe(true);
    expect(c.listMessages().map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(follow(c.listMessages())).toEqual({ symbols: fx.market.symbols('gappers_up'), seq: 6 });

    // A late subscriber gets the snapshot the gateway advanced in memory: same symbols, same seq.
    const late = await connect(g);
    late.send({ op: 'resync', list: 'gappers_up' });
    const snap = await late.waitFor(isList('gappers_up', 6));
    expect(snap.type).toBe('snapshot');
    expect(applyListMessage([], snap)).toEqual(fx.market.symbols('gappers_up'));
  });

  it('deflates list messages with GATEWAY_COMPRESSION=shared for a client that offers it; they arrive intact', async () => {
    const plain = await connect(await fx.start());
    expect(plain.ws.extensions).toBe('');
    const g = await fx.start({ compression: 'shared' });
    const c = await connect(g);
    expect(c.ws.extensions).toMatch(/^permessage-deflate/);
    const socket = (c.ws as unknown as { _socket: Socket })._socket;
    const before = socket.bytesRead;
    c.send({ op: 'subscribe', lists: ['gappers_up'] });
    await c.waitFor(isList('gappers_up', 1));
    const symbols = Array.from({ length: 40 }, (_, i) => `S${i}`);
    await fx.market.scan({ gappers_up: rows(symbols, 2) });
    const msg = await c.waitFor(isList('gappers_up', 2));
    expect(follow(c.listMessages())).toEqual({ symbols, seq: 2 });
    // 40 added rows of repetitive JSON: far fewer bytes on the wire than in the messages.
    const payload = c.listMessages().reduce((n, m) => n + JSON.stringify(m).length, 0);
    expect(msg.type).toBe('delta');
    expect(socket.bytesRead - before).toBeLessThan(payload / 3);
  });

  it('subscribes to all 11 lists with ["*"] and stops on unsubscribe', async () => {
    const g = await fx.start();
    const c = await connect(g);
    const other = await connect(g);
    c.send({ op: 'subscribe', lists: ['*'] });
    other.send({ op: 'subscribe', lists: ['winners'] });
    await c.ping(1);
    await other.ping(1);
    expect(
      c
        .listMessages()
        .map((m) => [m.type, m.list])
        .sort(),
    ).toEqual(LIST_NAMES.map((l) => ['snapshot', l]).sort());

    c.send({ op: 'unsubscribe', lists: ['winners'] });
    await c.ping(2);
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1), gappers_up: rows(['AAA'], 1) });
    await other.waitFor(isList('winners', 2));
    await c.waitFor(isList('gappers_up', 2));
    await c.ping(3);
    expect(c.listMessages('winners').map((m) => m.seq)).toEqual([1]);
  });

  it('answers resync with the current snapshot and ping with pong', async () => {
    const g = await fx.start();
    const watcher = await connect(g);
    watcher.send({ op: 'subscribe', lists: ['winners'] });
    await watcher.waitFor(isList('winners', 1));
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) });
    await watcher.waitFor(isList('winners', 2)); // the gateway has seen seq 2
    const c = await connect(g);
    c.send({ op: 'resync', list: 'winners' });
    const snap = await c.waitFor(isList('winners', 2));
    expect(snap).toMatchObject({ type: 'snapshot', epoch: 'epoch-1', prevSeq: 1 });
    expect(applyListMessage([], snap)).toEqual(['WIN', 'WON']);
    c.send({ op: 'ping', id: 'abc' });
    expect(await c.waitFor((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'abc' });
  });

  it('answers bad input with error codes and closes after repeated bad input; others keep receiving', async () => {
    const g = await fx.start();
    const bad = await connect(g);
    const good = await connect(g);
    good.send({ op: 'subscribe', lists: ['gappers_up'] });
    await good.waitFor(isList('gappers_up', 1));

    const errors = () =>
      bad.messages.filter((m) => m.type === 'error').map((m) => m.type === 'error' && m.code);
    bad.send('{not json');
    bad.send({ op: 'dance' });
    bad.send({ op: 'subscribe', lists: ['nope'] });
    bad.send({ op: 'resync', list: 'gappers_sideways' });
    await bad.waitFor((m) => m.type === 'error' && m.message.includes('gappers_sideways'));
    expect(errors()).toEqual(['bad_request', 'bad_request', 'unknown_list', 'unknown_list']);
    bad.send({ op: 'ping' });
    expect(await bad.closed).toBe(1008);
    expect(errors()).toEqual(['bad_request', 'bad_request', 'unknown_list', 'unknown_list', 'bad_request']);

    await fx.market.scan({ gappers_up: rows(['ZZZ'], 1) });
    await good.waitFor(isList('gappers_up', 2));
  });

  it('rate-limits a flooding client', async () => {
    const g = await fx.start();
    const c = await connect(g);
    for (let i = 0; i < 60; i++) c.send({ op: 'ping', id: i });
    const err = await c.waitFor((m) => m.type === 'error');
    expect(err).toMatchObject({ code: 'rate_limited' });
    expect(c.messages.filter((m) => m.type === 'pong')).toHaveLength(50);
  });

  it('refuses a missing or wrong token and accepts the right one (query or bearer)', async () => {
    const g = await fx.start({ tokens: ['s3cret', 'other'] });
    await expect(connect(g)).rejects.toThrow('HTTP 401');
    await expect(connect(g, '?token=wrong')).rejects.toThrow('HTTP 401');
    await expect(connect(g, '', { authorization: 'Bearer nope' })).rejects.toThrow('HTTP 401');
    await (await connect(g, '?token=s3cret')).ping(1);
    await (await connect(g, '', { authorization: 'Bearer other' })).ping(1);
  });

  it('sends heartbeats with every list seq', async () => {
    const g = await fx.start({ heartbeatMs: 100 });
    const c = await connect(g);
    const hb = await c.waitFor((m) => m.type === 'heartbeat', 2000);
    expect(hb.type === 'heartbeat' && hb.seqs).toEqual(Object.fromEntries(LIST_NAMES.map((l) => [l, 1])));
  });

  it('answers /health and /api/lists', async () => {
    const g = await fx.start();
    await connect(g);
    const base = `http://127.0.0.1:${g.port}`;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      redis: 'up',
      clients: 1,
      lists: { winners: 1 },
    });
    const all = (await (await fetch(`${base}/api/lists`)).json()) as { lists: ListMessage[] };
    expect(all.lists.map((l) => l.list)).toEqual([...LIST_NAMES]);
    const one = await fetch(`${base}/api/lists/gappers_up`);
    expect(applyListMessage([], (await one.json()) as ListMessage)).toEqual(['AAA', 'BBB', 'CCC']);
    expect((await fetch(`${base}/api/lists/nope`)).status).toBe(404);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('replaces a message that does not follow with the snapshot stored in Redis', async () => {
    const g = await fx.start();
    const c = await connect(g);
    c.send({ op: 'subscribe', lists: ['winners'] });
    await c.waitFor(isList('winners', 1));
    // As after falling behind the stream's MAXLEN: seq 5 arrives while the gateway holds seq 1.
    const delta: ListMessage = {
      type: 'delta',
      list: 'winners',
      epoch: 'epoch-1',
      seq: 5,
      prevSeq: 4,
      ts: TS,
      deltas: [{ action: 'remove', symbol: 'WIN' }],
    };
    const stored = {
      type: 'snapshot',
      list: 'winners',
      epoch: 'epoch-1',
      seq: 5,
      prevSeq: 4,
      ts: TS,
      rows: rows(['NEW']),
    };
    await fx.env.redis.hset(fx.env.keys.listSnapshots, 'winners', JSON.stringify(stored));
    await fx.appendRawMessage(delta);
    const got = await c.waitFor(isList('winners', 5));
    expect(got.type).toBe('snapshot');
    expect(applyListMessage([], got)).toEqual(['NEW']);
  });

  it('keeps forwarding after its Redis stream connection is killed', async () => {
    const g = await fx.start();
    const c = await connect(g);
    c.send({ op: 'subscribe', lists: ['winners'] });
    await c.waitFor(isList('winners', 1));
    // The reader connects lazily: wait until it is in its blocking XREAD, then kill it there.
    const ids = await waitFor(async () => {
      const list = (await fx.env.redis.call('CLIENT', 'LIST')) as string;
      const found = list
        .split('\n')
        .filter((l) => l.includes(` name=${LIST_FEED_CONNECTION_NAME} `) && / cmd=xread /.test(l))
        .map((l) => /\bid=(\d+)/.exec(l)![1]!);
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    for (const id of ids) await fx.env.redis.call('CLIENT', 'KILL', 'ID', id);
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) });
    await c.waitFor(isList('winners', 2));
    const health = (await (await fetch(`http://127.0.0.1:${g.port}/health`)).json()) as { redis: string };
    expect(health.redis).toBe('up');
  });

  it('reports degraded and retries with backoff while Redis answers with errors, then recovers', async () => {
    const published = await fx.env.redis.xrange(fx.env.keys.messagesStream, '-', '+');
    await fx.env.redis.del(fx.env.keys.messagesStream);
    await fx.env.redis.set(fx.env.keys.messagesStream, 'not a stream'); // every read now fails with WRONGTYPE
    const g = await fx.start();
    const health = await fetch(`http://127.0.0.1:${g.port}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', redis: 'down' });

    await fx.env.redis.del(fx.env.keys.messagesStream);
    for (const [, fields] of published) await fx.env.redis.xadd(fx.env.keys.messagesStream, '*', ...fields);
    const c = await connect(g);
    c.send({ op: 'subscribe', lists: ['winners'] });
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) });
    await c.waitFor(isList('winners', 2));
    expect((await fetch(`http://127.0.0.1:${g.port}/health`)).status).toBe(200);
  });

  describe('slow consumers', () => {
    const SYMBOLS = Array.from({ length: 40 }, (_, i) => `S${i}`);
    /**
     * Every list changes every row, a long field included (updates carry only what changed): ≈ 11 × 40 × 1 KB
     * ≈ 450 KB per scan.
     */
    const bigScan = (step: number) =>
      fx.market.scan(
        Object.fromEntries(
          LIST_NAMES.map((l) => [l, rows(SYMBOLS, step, { companyName: String(step).padEnd(800, 'x') })]),
        ),
      );

    async function pausedAndFast(g: Gateway): Promise<{ slow: Client; fast: Client }> {
      const slow = await connect(g);
      const fast = await connect(g);
      for (const c of [slow, fast]) {
        c.send({ op: 'subscribe', lists: ['*'] });
        await c.ping(0);
      }
      (slow.ws as unknown as { _socket: Socket })._socket.pause();
      return { slow, fast };
    }

    it('conflates a paused client without delaying a fast one; once drained it holds the current lists', async () => {
      const g = await fx.start({ maxBackpressureBytes: 256 * 1024 });
      const { slow, fast } = await pausedAndFast(g);
      const scans = 25;
      for (let i = 1; i <= scans; i++) await bigScan(i);
      const last = scans + 1;
      await fast.waitFor(isList('reversals', last));
      for (const l of LIST_NAMES)
        expect(follow(fast.listMessages(l))).toEqual({ symbols: SYMBOLS, seq: last });

      (slow.ws as unknown as { _socket: Socket })._socket.resume();
      await slow.waitFor(isList('reversals', last), 10_000);
      await slow.ping(1);
      const received = slow.listMessages();
      // It skipped deltas (conflation) and got fresh snapshots after draining.
      expect(received.length).toBeLessThan(fast.listMessages().length);
      expect(received.slice(-LIST_NAMES.length).every((m) => m.type === 'snapshot' && m.seq === last)).toBe(
        true,
      );
      for (const l of LIST_NAMES) {
        const msgs = slow.listMessages(l);
        // Contiguous up to the conflation, then a resync snapshot: follow() from the last snapshot on.
        const from = msgs.findLastIndex((m) => m.type === 'snapshot');
        expect(follow(msgs.slice(from))).toEqual({ symbols: SYMBOLS, seq: last });
      }
    });
    // A client closed as a slow consumer learning why: slow-consumer.test.ts.
  });
});
