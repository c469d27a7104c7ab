import type { AddressInfo } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { waitFor } from '../../test/utils/wait.js';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '../logger.js';
import type { AggregateEvent } from './aggregate-schema.js';
import {
  FAKE_API_KEY,
  POLICY_VIOLATION,
  startFakeVendor,
  type FakeVendor,
  type FakeVendorOptions,
  type PushedEvent,
} from '../../test/fake-vendor/server.js';
import { VendorAuthError } from './errors.js';
import { PolygonWsClient } from './polygon-ws.js';
import type { PolygonWsOptions } from './polygon-ws-options.js';

const silent = createLogger('test', 'silent');
const S0 = Date.UTC(2026, 2, 2, 15, 0, 0);

let fake: FakeVendor;

/** A vendor `A`/`AM` event; `i` moves the window and the close. */
function agg(sym: string, i = 0, ev: 'A' | 'AM' = 'A'): PushedEvent {
  const width = ev === 'A' ? 1_000 : 60_000;
  return {
    ev,
    sym,
    v: 100,
    av: 10_000 + i,
    op: 10,
    vw: 10.1,
    o: 10,
    c: 10 + i / 100,
    h: 10.5,
    l: 9.5,
    a: 10,
    z: 50,
    s: S0 + i * width,
    e: S0 + (i + 1) * width,
  };
}

interface Harness {
  readonly client: PolygonWsClient;
  /** Each onAggregates call: the events of one frame. */
  readonly frames: AggregateEvent[][];
  readonly fatal: VendorAuthError[];
  readonly changes: string[];
}

function start(options: Partial<PolygonWsOptions> = {}): Harness {
  const frames: AggregateEvent[][] = [];
  const fatal: VendorAuthError[] = [];
  const changes: string[] = [];
  const client = new PolygonWsClient({
    url: fake.wsUrl,
    apiKey: FAKE_API_KEY,
    backoff: { initialMs: 20, maxMs: 50 },
    idleMs: 5_000,
    authTimeoutMs: 2_000,
    isSessionOpen: () => true,
    logger: silent,
    onAggregates: (events) => frames.push([...events]),
    onFatal: (e) => fatal.push(e),
    onConnectionChange: (state) => changes.push(state),
    ...options,
  });
  onCleanup(() => client.close());
  client.connect();
  return { client, frames, fatal, changes };
}

async function restartFake(options: FakeVendorOptions): Promise<void> {
  await fake.close();
  fake = await startFakeVendor(options);
}

/**
 * A minimal vendor on its own ws server, for what the fake vendor cannot do: `autoPong: false` leaves pings
 * unanswered while the connection stays open and readable. It says `connected`, accepts any key, acks nothing.
 */
async function startBareVendor(options: { autoPong: boolean }) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: options.autoPong });
  await new Promise((resolve) => server.once('listening', resolve));
  let accepted = 0;
  server.on('connection', (socket) => {
    accepted++;
    socket.send(JSON.stringify([{ ev: 'status', status: 'connected', message: 'Connected Successfully' }]));
    socket.on('message', () =>
      socket.send(JSON.stringify([{ ev: 'status', status: 'auth_success', message: 'authenticated' }])),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections: () => accepted,
    close: async () => {
      for (const c of server.clients) c.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

beforeEach(async () => {
  fake = await startFakeVendor();
  onCleanup(() => fake.close()); // the fake of the moment: restartFake replaces it
});

describe('PolygonWsClient', () => {
  it('authenticates after `connected`, subscribes the set, gets one ack per param and the A events', async () => {
    const { client, frames } = start();
    client.subscribe(['AAPL', 'MSFT']);
    await waitFor(() => expect(client.stats().acks).toBe(2));

    expect(client.state).toBe('ready');
    expect(fake.ws.actions('auth')).toEqual([{ action: 'auth', params: FAKE_API_KEY }]);
    expect(fake.ws.actions('subscribe')).toEqual([{ action: 'subscribe', params: 'A.AAPL,A.MSFT' }]);

    fake.ws.pushAggregates([agg('AAPL', 1), agg('TSLA', 1), agg('MSFT', 1)]);
    await waitFor(() => expect(frames).toHaveLength(1));
    expect(frames[0]?.map((e) => [e.ev, e.sym, e.c])).toEqual([
      ['A', 'AAPL', 10.01],
      ['A', 'MSFT', 10.01],
    ]);
  });

  it('sends later subscribe and unsubscribe changes only, in batches of at most maxParamsPerMessage', async () => {
    const { client } = start({ channels: ['A', 'AM'], maxParamsPerMessage: 500 });
    await waitFor(() => expect(client.state).toBe('ready'));
    const symbols = Array.from({ length: 1_200 }, (_, i) => `S${i}`);
    client.subscribe(symbols);
    client.subscribe(['S0']); // already in the set: nothing sent
    await waitFor(() => expect(client.stats().acks).toBe(2_400));

    const subscribes = fake.ws.actions('subscribe').map((m) => String(m.params).split(','));
    expect(subscribes.map((p) => p.length)).toEqual([500, 500, 500, 500, 400]);
    expect(subscribes[0]?.slice(0, 3)).toEqual(['A.S0', 'AM.S0', 'A.S1']);

    client.unsubscribe(['S1', 'NOT-SUBSCRIBED']);
    await waitFor(() =>
      expect(fake.ws.actions('unsubscribe')).toEqual([{ action: 'unsubscribe', params: 'A.S1,AM.S1' }]),
    );
    expect(client.subscriptions.has('S1')).toBe(false);
  });

  it('treats auth_failed as fatal: VendorAuthError through onFatal, and no reconnect', async () => {
    const { client, fatal } = start({ apiKey: 'revoked-key' });
    await waitFor(() => expect(fatal).toHaveLength(1));
    // The assertion itself: no reconnect follows within 200 ms (the backoff here is 20–50 ms).
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(fatal[0]).toBeInstanceOf(VendorAuthError);
    expect(fatal[0]?.message).toBe('vendor WebSocket refused the API key: authentication failed');
    expect(client.state).toBe('failed');
    expect(fake.ws.connections).toHaveLength(1);
  });

  it('stops for good when the key is refused at a reconnect', async () => {
    const { client, fatal } = start();
    await waitFor(() => expect(client.state).toBe('ready'));
    fake.ws.failAuth();
    fake.ws.disconnectAll();
    await waitFor(() => expect(fatal).toHaveLength(1));
    expect(fake.ws.connections).toHaveLength(2);
    expect(client.state).toBe('failed');
  });

  it('reconnects after a server disconnect with backoff and resubscribes the current set', async () => {
    const { client, frames, changes } = start({ backoff: { initialMs: 400, maxMs: 400, random: () => 0.5 } });
    client.subscribe(['AAPL', 'MSFT']);
    await waitFor(() => expect(client.stats().acks).toBe(2));
    client.unsubscribe(['MSFT']);
    client.subscribe(['NVDA']);
    await waitFor(() => expect(client.stats().acks).toBe(4));

    const droppedAt = performance.now();
    fake.ws.disconnectAll();
    await waitFor(() => expect(fake.ws.connections[1]?.authed).toBe(true));
    const second = fake.ws.connections[1];
    expect(performance.now() - droppedAt).toBeGreaterThanOrEqual(190);
    await waitFor(() =>
      expect(fake.ws.actions('subscribe', second?.id)).toEqual([
        { action: 'subscribe', params: 'A.AAPL,A.NVDA' },
      ]),
    );

    fake.ws.pushAggregates([agg('AAPL', 2), agg('MSFT', 2), agg('NVDA', 2)]);
    await waitFor(() => expect(frames).toHaveLength(1));
    expect(frames[0]?.map((e) => e.sym)).toEqual(['AAPL', 'NVDA']);
    expect(changes).toEqual(['ready', 'disconnected', 'ready']);
  });

  it('on max_connections the old connection is evicted (1008) and the new one keeps the data', async () => {
    const old = start({ evictedDelayMs: 10_000 });
    old.client.subscribe(['AAPL']);
    await waitFor(() => expect(old.client.stats().acks).toBe(1));
    const newer = start();
    newer.client.subscribe(['AAPL']);
    await waitFor(() => expect(newer.client.stats().acks).toBe(1));
    await waitFor(() => expect(old.client.state).toBe('waiting'));

    expect(old.client.stats().evictions).toBe(1);
    expect(fake.ws.connections[0]?.closeCode).toBe(POLICY_VIOLATION);
    fake.ws.pushAggregates([agg('AAPL', 3)]);
    await waitFor(() => expect(newer.frames).toHaveLength(1));
    expect(old.frames).toHaveLength(0);
    expect(fake.ws.connections).toHaveLength(2);
  });

  it('replaces a connection that goes silent during a session', async () => {
    const { client, frames } = start({ idleMs: 200 });
    client.subscribe(['AAPL']);
    await waitFor(() => expect(client.stats().acks).toBe(1));
    fake.ws.stopSending();

    await waitFor(() => expect(client.stats().idleReconnects).toBe(1));
    await waitFor(() => expect(client.stats().acks).toBe(2));
    fake.ws.pushAggregates([agg('AAPL', 4)]);
    await waitFor(() => expect(frames).toHaveLength(1));
    expect(fake.ws.connections).toHaveLength(2);
  });

  it('does not treat silence as idle outside a session', async () => {
    const { client } = start({ idleMs: 50, isSessionOpen: () => false });
    await waitFor(() => expect(client.state).toBe('ready'));
    fake.ws.stopSending();
    // The assertion itself: 300 ms of silence (six times idleMs) bring no idle reconnect.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.stats().idleReconnects).toBe(0);
    expect(fake.ws.connections).toHaveLength(1);
  });

  it('delivers the good events of a mixed frame, counts the bad element and survives a non-JSON frame', async () => {
    const { client, frames } = start({ channels: ['A', 'AM'] });
    await waitFor(() => expect(client.state).toBe('ready'));
    fake.ws.pushFrame([
      agg('AAPL', 5),
      { ev: 'A', sym: 'BAD', c: 'not a number' },
      { ev: 'T', sym: 'AAPL', p: 10.1, s: 100, t: S0, x: 4, i: '1', z: 3 },
      agg('MSFT', 5, 'AM'),
      { ev: 'LULD', T: 'AAPL', h: 11, l: 9, i: [21], z: 3, t: S0 * 1e6, q: 1 },
    ]);
    await waitFor(() => expect(frames).toHaveLength(1));
    expect(frames[0]?.map((e) => `${e.ev}.${e.sym}`)).toEqual(['A.AAPL', 'AM.MSFT']);
    expect(client.stats()).toMatchObject({ badElements: 1, ignoredEvents: 2, aggregates: 2 });

    fake.ws.pushText('<html>oops</html>');
    fake.ws.pushFrame([agg('AAPL', 6)]);
    await waitFor(() => expect(frames).toHaveLength(2));
    expect(client.stats().badFrames).toBe(1);
    expect(fake.ws.connections).toHaveLength(1);
  });

  it('counts an `error` status (a channel outside the plan) and keeps the channels it has', async () => {
    await restartFake({ forbiddenChannels: ['AM'] });
    const { client, frames } = start({ channels: ['A', 'AM'] });
    client.subscribe(['AAPL']);
    await waitFor(() => expect(client.stats()).toMatchObject({ acks: 1, vendorErrors: 1 }));
    fake.ws.pushAggregates([agg('AAPL', 7)]);
    await waitFor(() => expect(frames).toHaveLength(1));
    expect(client.state).toBe('ready');
  });

  it('fake: a connection that never authenticates gets auth_timeout and is closed', async () => {
    await restartFake({ authTimeoutMs: 100 });
    const ws = new WebSocket(fake.wsUrl);
    const messages: unknown[] = [];
    ws.on('message', (data: Buffer) => messages.push(...(JSON.parse(data.toString()) as unknown[])));
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));

    expect(code).toBe(POLICY_VIOLATION);
    expect(messages).toEqual([
      { ev: 'status', status: 'connected', message: 'Connected Successfully' },
      { ev: 'status', status: 'auth_timeout', message: 'No authentication request received.' },
    ]);
  });

  it('gives up on a server that never says `connected` and dials again', async () => {
    const mute = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => mute.once('listening', resolve));
    onCleanup(async () => {
      for (const c of mute.clients) c.terminate();
      await new Promise((resolve) => mute.close(resolve));
    });
    const { port } = mute.address() as AddressInfo;
    const { client } = start({ url: `ws://127.0.0.1:${port}`, authTimeoutMs: 100 });
    await waitFor(() => expect(client.stats().authTimeouts).toBeGreaterThanOrEqual(2));
    expect(client.stats().connects).toBeGreaterThanOrEqual(2);
    await client.close();
  });

  it('drops an outbound message when the socket buffer is over the limit, then recycles the connection', async () => {
    const { client } = start({
      maxParamsPerMessage: 200_000,
      maxBufferedBytes: 1_000_000,
      backoff: { initialMs: 5_000, maxMs: 5_000, random: () => 0.9 },
    });
    await waitFor(() => expect(client.state).toBe('ready'));
    fake.ws.pauseReading();
    // ~1 MB per subscribe; once the kernel buffers are full the bytes queue in the client.
    for (let i = 0; i < 100 && client.stats().droppedOutbound === 0; i++) {
      client.subscribe(Array.from({ length: 100_000 }, (_, j) => `S${i}X${j}`));
      await new Promise((resolve) => setTimeout(resolve, 5)); // lets the socket write, so the buffers fill
    }

    expect(client.stats().droppedOutbound).toBe(1);
    await waitFor(() => expect(client.state).toBe('waiting'));
  });

  it('replaces a connection whose vendor stops answering pings, even with nothing subscribed', async () => {
    const { client } = start({ pingIntervalMs: 50, pongTimeoutMs: 150 });
    await waitFor(() => expect(client.state).toBe('ready'));
    // The fake stops reading its socket: the client's pings go unanswered, as on a half-open connection.
    fake.ws.pauseReading();

    await waitFor(() => expect(client.stats().pongTimeouts).toBe(1));
    await waitFor(() => expect(fake.ws.connections[1]?.authed).toBe(true));
    expect(client.stats().idleReconnects).toBe(0);
    await waitFor(() => expect(client.state).toBe('ready'));
  });

  it('replaces a connection to a server that never answers pings but stays open', async () => {
    const server = await startBareVendor({ autoPong: false });
    onCleanup(() => server.close());
    const { client } = start({ url: server.url, pingIntervalMs: 50, pongTimeoutMs: 150 });
    await waitFor(() => expect(client.stats().pongTimeouts).toBeGreaterThanOrEqual(1));
    await waitFor(() => expect(server.connections()).toBeGreaterThanOrEqual(2));
    await client.close();
  });

  it('keeps a quiet but healthy connection with nothing subscribed during a session', async () => {
    const { client } = start({ idleMs: 100, pingIntervalMs: 50, pongTimeoutMs: 150 });
    await waitFor(() => expect(client.state).toBe('ready'));
    let pings = 0;
    fake.ws.connections[0]?.socket.on('ping', () => pings++);
    fake.ws.stopSending();
    // The assertion itself: six times idleMs of silence, answered pings and no reconnect.
    await new Promise((resolve) => setTimeout(resolve, 600));

    expect(pings).toBeGreaterThanOrEqual(3);
    expect(client.stats()).toMatchObject({ idleReconnects: 0, pongTimeouts: 0, connects: 1 });
    expect(client.state).toBe('ready');
    expect(fake.ws.connections).toHaveLength(1);
  });

  it('keeps the reconnect backoff growing while connections drop soon after auth, and resets it once one stays up', async () => {
    const { client } = start({ stableAfterMs: 400, backoff: { initialMs: 10, maxMs: 10, random: () => 0 } });
    await waitFor(() => expect(client.state).toBe('ready'));
    for (let drop = 1; drop <= 3; drop++) {
      fake.ws.disconnectAll();
      await waitFor(() => expect(fake.ws.connections[drop]?.authed).toBe(true));
      await waitFor(() => expect(client.state).toBe('ready'));
      expect(client.reconnectAttempts).toBe(drop);
    }

    await waitFor(() => expect(client.reconnectAttempts).toBe(0));
    expect(client.state).toBe('ready');
  });

  it('closes a connection that receives a message over maxPayloadBytes, and reconnects', async () => {
    const { client, frames } = start({ maxPayloadBytes: 1_000 });
    client.subscribe(['AAPL']);
    await waitFor(() => expect(client.stats().acks).toBe(1));
    fake.ws.pushText(`[${JSON.stringify({ ev: 'A', sym: 'AAPL', pad: 'x'.repeat(2_000) })}]`);

    await waitFor(() => expect(fake.ws.connections[0]?.closeCode).toBe(1009));
    await waitFor(() => expect(client.stats().acks).toBe(2));
    fake.ws.pushAggregates([agg('AAPL', 8)]);
    await waitFor(() => expect(frames).toHaveLength(1));
  });

  it('close() ends promptly while the loop is waiting to reconnect', async () => {
    const { client } = start({ backoff: { initialMs: 5_000, maxMs: 5_000, random: () => 0.9 } });
    await waitFor(() => expect(client.state).toBe('ready'));
    fake.ws.disconnectAll();
    await waitFor(() => expect(client.state).toBe('waiting'));

    const started = performance.now();
    await client.close();
    expect(performance.now() - started).toBeLessThan(200);
    expect(client.state).toBe('closed');
  });

  it('close() on a live connection sends a close frame and ends the loop', async () => {
    const { client, changes } = start();
    await waitFor(() => expect(client.state).toBe('ready'));
    await client.close();
    await waitFor(() => expect(fake.ws.connections[0]?.closeCode).toBe(1000));
    expect(changes).toEqual(['ready', 'disconnected']);
    expect(fake.ws.connections).toHaveLength(1);
  });
});
