import { beforeEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { waitFor } from '../../test/utils/wait.js';
import { stringContaining } from '../../test/utils/matchers.js';
import WebSocket from 'ws';
import type { AnyListName as ListName, ListMessage } from '../protocol/messages.js';
import {
  ListClient,
  type ConnectionStatus,
  type ListClientError,
  type ListClientOptions,
} from './list-client.js';
import type { ResyncReason } from './list-tracker.js';
import type { SocketConstructor, SocketLike } from './socket.js';
import { GatewayFixture, row, rows, TS, type Gateway } from '../../test/utils/gateway-fixture.js';
import { closedPort } from '../../test/utils/net.js';

const FAST_BACKOFF = { initialMs: 20, maxMs: 200 };

/** `ws` with a filter in front of onmessage: frames for which `drop` is true never reach the client. */
function lossySocket(
  drop: (msg: { type: string; list?: string; seq?: number; epoch?: string }) => boolean,
): SocketConstructor {
  return class implements SocketLike {
    private readonly ws: WebSocket;
    onopen: SocketLike['onopen'] = null;
    onmessage: SocketLike['onmessage'] = null;
    onclose: SocketLike['onclose'] = null;
    onerror: SocketLike['onerror'] = null;
    constructor(url: string) {
      this.ws = new WebSocket(url);
      this.ws.onopen = (e) => this.onopen?.(e);
      this.ws.onclose = (e) => this.onclose?.(e);
      this.ws.onerror = (e) => this.onerror?.(e);
      this.ws.onmessage = (e) => {
        // ws gives a text frame's data as a string; anything else goes to the client as it came.
        if (typeof e.data !== 'string' || !drop(JSON.parse(e.data) as { type: string })) this.onmessage?.(e);
      };
    }
    get readyState(): number {
      return this.ws.readyState;
    }
    send(data: string): void {
      this.ws.send(data);
    }
    close(code?: number, reason?: string): void {
      this.ws.close(code, reason);
    }
  };
}

/** A client plus everything it emitted, in order. */
class Recorder {
  readonly client: ListClient;
  readonly statuses: ConnectionStatus[] = [];
  readonly errors: ListClientError[] = [];
  readonly resyncs: [ListName, ResyncReason][] = [];
  readonly applied: ListMessage[] = [];

  constructor(options: ListClientOptions) {
    this.client = new ListClient({ WebSocket, backoff: FAST_BACKOFF, ...options });
    this.client.onStatus((s) => this.statuses.push(s));
    this.client.onError((e) => this.errors.push(e));
    this.client.onResync((l, r) => this.resyncs.push([l, r]));
    this.client.onList((_l, _rows, msg) => this.applied.push(msg));
  }

  symbols(list: ListName): string[] {
    return this.client.rows(list).map((r) => r.symbol);
  }

  /** Waits until `list` holds `symbols` at `seq`. */
  async holds(list: ListName, symbols: readonly string[], seq: number): Promise<void> {
    await waitFor(
      () => {
        expect(this.symbols(list)).toEqual(symbols);
        expect(this.client.snapshot(list)?.seq).toBe(seq);
      },
      { timeoutMs: 5000, intervalMs: 10 },
    );
  }
}

describe('ListClient against a real gateway', () => {
  let fx: GatewayFixture;
  const url = (g: Gateway) => `ws://127.0.0.1:${g.port}/ws`;
  function open(options: ListClientOptions): Recorder {
    const r = new Recorder(options);
    onCleanup(() => r.client.stop());
    r.client.start();
    return r;
  }

  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    await fx.market.scan({ gappers_up: rows(['AAA', 'BBB', 'CCC']), winners: rows(['WIN']) });
  });

  it('receives the snapshot of every list it subscribes to, and only those', async () => {
    const g = await fx.start();
    const c = open({ url: url(g), lists: ['gappers_up', 'winners'] });
    await c.holds('gappers_up', ['AAA', 'BBB', 'CCC'], 1);
    await c.holds('winners', ['WIN'], 1);
    expect(c.client.rows('gappers_up').map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(c.client.status).toBe('open');
    expect(c.statuses).toEqual(['connecting', 'open']);
    expect(c.client.snapshot('losers')).toBeUndefined();
    expect(c.applied.every((m) => m.type === 'snapshot')).toBe(true);
  });

  it('applies published deltas: new symbols, removed symbols, new ranks and new prices', async () => {
    const g = await fx.start();
    const c = open({ url: url(g), lists: ['*'] });
    await c.holds('gappers_up', ['AAA', 'BBB', 'CCC'], 1);
    await fx.market.scan({ gappers_up: rows(['CCC', 'DDD', 'AAA'], 1) });
    await c.holds('gappers_up', ['CCC', 'DDD', 'AAA'], 2);
    expect(c.applied.at(-1)?.type).toBe('delta');
    expect(c.client.rows('gappers_up').map((r) => [r.symbol, r.rank, r.price])).toEqual([
      ['CCC', 1, 11],
      ['DDD', 2, 11],
      ['AAA', 3, 11],
    ]);
    await fx.market.scan({ gappers_up: [] });
    await c.holds('gappers_up', [], 3);
    expect(c.resyncs).toEqual([]);
  });

  it('resyncs by itself when a delta does not follow its last seq, ignores deltas until the snapshot, and ends in step', async () => {
    const g = await fx.start();
    // The network loses gappers_up's seq 2 on its way to this client.
    const c = open({
      url: url(g),
      lists: ['gappers_up'],
      WebSocket: lossySocket((m) => m.type === 'delta' && m.list === 'gappers_up' && m.seq === 2),
    });
    await c.holds('gappers_up', ['AAA', 'BBB', 'CCC'], 1);
    await fx.market.scan({ gappers_up: rows(['BBB', 'AAA', 'CCC'], 1) }); // seq 2, lost
    await fx.market.scan({ gappers_up: rows(['BBB', 'DDD', 'AAA'], 2) }); // seq 3: prevSeq 2 ≠ 1
    await c.holds('gappers_up', ['BBB', 'DDD', 'AAA'], 3);
    expect(c.resyncs).toEqual([['gappers_up', 'gap']]);
    // What it applied: the first snapshot, then the resync's snapshot; the unusable delta was not applied.
    expect(c.applied.map((m) => [m.type, m.seq])).toEqual([
      ['snapshot', 1],
      ['snapshot', 3],
    ]);
    await fx.market.scan({ gappers_up: rows(['EEE'], 3) });
    await c.holds('gappers_up', ['EEE'], 4);
    expect(c.client.rows('gappers_up')[0]).toMatchObject({ symbol: 'EEE', rank: 1, price: 13 });
    expect(c.resyncs).toHaveLength(1);
  });

  it("notices a lost last delta from the heartbeat's seqs and resyncs", async () => {
    const g = await fx.start({ heartbeatMs: 100 });
    const c = open({
      url: url(g),
      lists: ['winners'],
      WebSocket: lossySocket((m) => m.type === 'delta' && m.list === 'winners'),
    });
    await c.holds('winners', ['WIN'], 1);
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) }); // seq 2 never arrives; nothing follows it
    await c.holds('winners', ['WIN', 'WON'], 2);
    expect(c.resyncs).toEqual([['winners', 'behind']]);
  });

  it("tells how fresh the lists are from the heartbeats: live, then down once the orchestrator's report ages", async () => {
    const g = await fx.start({ heartbeatMs: 50, staleAfterMs: 400 });
    const c = open({ url: url(g), lists: ['winners'] });
    const seen: string[] = [];
    c.client.onFreshness((f) => seen.push(f.source));
    await waitFor(() => c.client.freshness?.source === 'live');
    expect(c.client.freshness).toMatchObject({ session: 'MARKET_OPEN' });
    expect(c.client.freshness?.ageMs).toBeGreaterThanOrEqual(0);
    // Nobody reports any more (the fixture's report was the scan's): the gateway says down.
    await waitFor(() => c.client.freshness?.source === 'down');
    expect(seen).toContain('live');
  });

  it('follows the snapshot the gateway substitutes when the stream skips seqs', async () => {
    const g = await fx.start();
    const c = open({ url: url(g), lists: ['winners'] });
    await c.holds('winners', ['WIN'], 1);
    // As after the gateway fell behind the stream's MAXLEN: seq 5 arrives while everyone holds seq 1.
    const snapshot = { type: 'snapshot', list: 'winners', epoch: 'epoch-1', seq: 5, prevSeq: 4, ts: TS };
    await fx.env.redis.hset(
      fx.env.keys.listSnapshots,
      'winners',
      JSON.stringify({ ...snapshot, rows: [row('NEW', 1)] }),
    );
    const delta = { ...snapshot, type: 'delta', deltas: [{ action: 'remove', symbol: 'WIN' }] };
    await fx.appendRawMessage(delta);
    await c.holds('winners', ['NEW'], 5);
  });

  it("takes a new epoch's snapshot although its seq is lower, and resyncs on a delta of another epoch", async () => {
    const g = await fx.start();
    let dropped = 0;
    // The network loses winners' first snapshot of epoch-2, so its next delta is of an epoch it does not hold.
    const c = open({
      url: url(g),
      lists: ['gappers_up', 'winners'],
      WebSocket: lossySocket(
        (m) => m.list === 'winners' && m.epoch === 'epoch-2' && m.type === 'snapshot' && dropped++ === 0,
      ),
    });
    await c.holds('gappers_up', ['AAA', 'BBB', 'CCC'], 1);
    await fx.market.scan({ gappers_up: rows(['AAA'], 1) });
    await fx.market.scan({ gappers_up: rows(['BBB'], 2) });
    await c.holds('gappers_up', ['BBB'], 3);

    fx.market.restartWithNewEpoch('epoch-2');
    await fx.market.scan({ gappers_up: rows(['ZZZ'], 3) }); // every list: a snapshot at seq 1 of epoch-2
    await c.holds('gappers_up', ['ZZZ'], 1);
    expect(c.client.snapshot('gappers_up')?.epoch).toBe('epoch-2');
    expect(c.client.snapshot('winners')?.epoch).toBe('epoch-1');

    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) }); // winners: delta seq 2 of epoch-2
    await c.holds('winners', ['WIN', 'WON'], 2);
    expect(c.client.snapshot('winners')?.epoch).toBe('epoch-2');
    expect(c.resyncs).toEqual([['winners', 'epoch']]);
  });

  it('retries with backoff while no gateway listens, then connects and subscribes when one starts on that port', async () => {
    const port = await closedPort();
    const c = open({ url: `ws://127.0.0.1:${port}/ws`, lists: ['gappers_up'] });
    // Refused attempts: each one a transport error and a status cycle, none a crash.
    await waitFor(() => expect(c.errors.filter((e) => e.source === 'transport').length).toBeGreaterThan(2));
    expect(c.statuses.slice(0, 4)).toEqual(['connecting', 'closed', 'connecting', 'closed']);
    expect(c.client.status).not.toBe('open');

    const g = await fx.start({ port });
    expect(g.port).toBe(port);
    await c.holds('gappers_up', ['AAA', 'BBB', 'CCC'], 1);
    expect(c.client.status).toBe('open');
  });

  it('reconnects with backoff and resubscribes when its gateway is killed and a new one starts on the same port', async () => {
    // A port bound as 0 is exclusive (Linux ignores SO_REUSEPORT for an auto-picked port), and a gateway that
    // closed connections leaves them in TIME_WAIT on its port: only a fixed port, as in production, rebinds.
    const first = await fx.spawn(await closedPort());
    const c = open({ url: `ws://127.0.0.1:${first.port}/ws`, lists: ['gappers_up', 'winners'] });
    await c.holds('gappers_up', ['AAA', 'BBB', 'CCC'], 1);
    first.child.kill('SIGKILL');
    await waitFor(() => expect(c.statuses).toContain('closed'));
    const refusedBefore = c.errors.length;
    await waitFor(() => expect(c.errors.length).toBeGreaterThan(refusedBefore + 1)); // nothing listens
    expect(c.client.status).not.toBe('open');

    await fx.market.scan({ gappers_up: rows(['NEW', 'AAA'], 1) }); // published while no gateway ran
    const second = await fx.start({ port: first.port });
    expect(second.port).toBe(first.port);
    await c.holds('gappers_up', ['NEW', 'AAA'], 2);
    await waitFor(() => expect(c.client.status).toBe('open'));
    expect(c.statuses.slice(0, 4)).toEqual(['connecting', 'open', 'closed', 'connecting']);
    // Resubscribed to both lists, not just the one that changed.
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) });
    await c.holds('winners', ['WIN', 'WON'], 2);
  });

  it('sends its token as ?token= and reports a refused connection as a transport error', async () => {
    const g = await fx.start({ tokens: ['s3cret'] });
    const good = open({ url: url(g), token: 's3cret', lists: ['winners'] });
    await good.holds('winners', ['WIN'], 1);
    const bad = open({ url: url(g), token: 'wrong', lists: ['winners'] });
    await waitFor(() =>
      expect(bad.errors[0]).toMatchObject({ source: 'transport', message: stringContaining('401') }),
    );
    expect(bad.client.status).not.toBe('open');
    expect(bad.client.rows('winners')).toEqual([]);
  });

  it('surfaces error messages from the gateway and keeps working', async () => {
    const g = await fx.start();
    const c = open({ url: url(g), lists: ['winners'] });
    await c.holds('winners', ['WIN'], 1);
    c.client.subscribe(['sideways' as ListName]);
    await waitFor(() =>
      expect(c.errors).toEqual([expect.objectContaining({ source: 'server', code: 'unknown_list' })]),
    );
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) });
    await c.holds('winners', ['WIN', 'WON'], 2);
  });

  it('unsubscribes: forgets the list and ignores its further messages', async () => {
    const g = await fx.start();
    const c = open({ url: url(g), lists: ['gappers_up', 'winners'] });
    await c.holds('winners', ['WIN'], 1);
    c.client.unsubscribe(['winners']);
    expect(c.client.rows('winners')).toEqual([]);
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1), gappers_up: rows(['AAA'], 1) });
    await c.holds('gappers_up', ['AAA'], 2);
    expect(c.client.snapshot('winners')).toBeUndefined();
  });

  it('drops a connection that goes silent and reconnects', async () => {
    const g = await fx.start();
    let mute = false;
    const c = open({
      url: url(g),
      lists: ['winners'],
      pingIntervalMs: 50,
      WebSocket: lossySocket(() => mute),
    });
    await c.holds('winners', ['WIN'], 1);
    mute = true; // pongs and everything else stop arriving, the TCP connection stays up
    await waitFor(() =>
      expect(c.errors.map((e) => e.message)).toContain('no message from the gateway: reconnecting'),
    );
    mute = false;
    await fx.market.scan({ winners: rows(['WIN', 'WON'], 1) });
    await c.holds('winners', ['WIN', 'WON'], 2);
    expect(c.client.status).toBe('open');
  });

  it('stops: closes the connection and does not reconnect', async () => {
    const g = await fx.start();
    const c = open({ url: url(g), lists: ['winners'] });
    await c.holds('winners', ['WIN'], 1);
    c.client.stop();
    expect(c.client.status).toBe('closed');
    // The assertion itself: 300 ms later it has not reconnected.
    await new Promise((r) => setTimeout(r, 300));
    expect(c.statuses).toEqual(['connecting', 'open', 'closed']);
    // The rows held stay readable after stop.
    expect(c.symbols('winners')).toEqual(['WIN']);
  });
});
