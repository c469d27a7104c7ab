import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readRecentAlerts } from '../../shared/bus/alerts-stream.js';
import type { AlertMessage } from '../../shared/protocol/alert-messages.js';
import type { ServerMessage } from '../../shared/protocol/messages.js';
import { ListClient } from '../../shared/sdk/list-client.js';
import { onCleanup } from '../utils/cleanup.js';
import { GatewayFixture } from '../utils/gateway-fixture.js';
import { closedPort } from '../utils/net.js';
import { simOrchestrator } from '../utils/sim-orchestrator.js';
import { waitFor } from '../utils/wait.js';
import { WsTestClient } from '../utils/ws-test-client.js';

const isAlert = (m: ServerMessage): m is AlertMessage => m.type === 'alert';

/** Every alert the stream holds, oldest first. */
async function streamed(fx: GatewayFixture): Promise<AlertMessage[]> {
  const { entries } = await readRecentAlerts(fx.env.redis, fx.env.keys, 100_000);
  return entries.flatMap((e) => (e.ok ? [e.alert] : []));
}
const CHEAP = [[{ field: 'price', op: '<', value: 20 }]];

describe('the alerts subscription (SPEC §14, real orchestrator, gateway and Redis)', () => {
  it('streams every alert in seq order, only the matching ones to a client with a where, and the recent ones to a late subscriber', async () => {
    const fx = new GatewayFixture();
    onCleanup(() => fx.cleanup());
    const gateway = await fx.start();
    const { tick } = await simOrchestrator(fx.env, { seed: 9, tickers: 600 });
    const url = `ws://127.0.0.1:${gateway.port}/ws`;
    const open = async () => {
      const c = await WsTestClient.open(url);
      onCleanup(() => c.close());
      return c;
    };
    const all = await open();
    const cheap = await open();
    all.send({ op: 'subscribe', lists: ['alerts'] });
    cheap.send({ op: 'subscribe', lists: ['alerts'], where: CHEAP });
    await Promise.all([all.ping(1), cheap.ping(1)]);

    for (const t of ['09:30', '09:31', '09:32', '09:33', '09:34', '09:35']) await tick(t);
    const stored = await streamed(fx);
    expect(stored.length).toBeGreaterThan(5);
    const last = stored.at(-1)!;
    await waitFor(() => all.messages.filter(isAlert).at(-1)?.seq === last.seq, { timeoutMs: 10_000 });

    const everything = all.messages.filter(isAlert);
    // One epoch, seq + 1 each, exactly what the stream holds.
    expect(new Set(everything.map((a) => a.epoch)).size).toBe(1);
    everything.forEach((a, i) => i > 0 && expect(a.seq).toBe(everything[i - 1]!.seq + 1));
    expect(everything.map((a) => a.seq)).toEqual(stored.map((a) => a.seq));
    expect(new Set(everything.map((a) => a.kind)).size).toBeGreaterThan(1);

    // The filtered client got exactly the alerts whose row matches, in order.
    const expected = everything.filter((a) => a.row.price < 20).map((a) => a.seq);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(everything.length);
    await waitFor(() => cheap.messages.filter(isAlert).length === expected.length, { timeoutMs: 10_000 });
    expect(cheap.messages.filter(isAlert).map((a) => a.seq)).toEqual(expected);

    // A late subscriber gets the recent alerts first (up to 200, here all of them); a resync sends them again.
    const late = await open();
    late.send({ op: 'subscribe', lists: ['alerts', 'gappers_up'] });
    await late.ping(1);
    expect(late.messages.filter(isAlert).map((a) => a.seq)).toEqual(everything.map((a) => a.seq).slice(-200));
    late.send({ op: 'resync', list: 'alerts' });
    await late.ping(2);
    expect(late.messages.filter(isAlert)).toHaveLength(2 * Math.min(200, everything.length));
    expect(everything.length).toBeGreaterThan(200); // so the cap of 200 was what limited the first batch
    // Unsubscribed: no more alerts (the list stays).
    late.send({ op: 'unsubscribe', lists: ['alerts'] });
    await late.ping(3);
    const before = late.messages.filter(isAlert).length;
    await tick('09:36');
    await waitFor(async () => (await streamed(fx)).at(-1)!.seq > last.seq, {
      timeoutMs: 10_000,
    });
    await all.ping(4);
    await late.ping(4);
    expect(late.messages.filter(isAlert)).toHaveLength(before);
  }, 120_000);

  it('refuses a bad where naming the field, and a where on lists', async () => {
    const fx = new GatewayFixture();
    onCleanup(() => fx.cleanup());
    const gateway = await fx.start();
    const c = await WsTestClient.open(`ws://127.0.0.1:${gateway.port}/ws`);
    onCleanup(() => c.close());
    c.send({ op: 'subscribe', lists: ['alerts'], where: [[{ field: 'prcie', op: '<', value: 20 }]] });
    c.send({ op: 'subscribe', lists: ['alerts'], where: [[{ field: 'beta', op: '<', value: 2 }]] });
    c.send({ op: 'subscribe', lists: ['gappers_up'], where: CHEAP });
    await c.ping(1);
    const errors = c.messages.filter((m) => m.type === 'error');
    expect(errors.map((e) => e.code)).toEqual(['bad_request', 'bad_request', 'bad_request']);
    expect(errors[0]!.message).toMatch(/where\[0\]\[0\]\.field: unknown field "prcie"/);
    expect(errors[1]!.message).toMatch(/beta is not in an alert's row/);
    expect(errors[2]!.message).toMatch(/only the "alerts" subscription takes a where/);
  });

  it('passes each alert once to an SDK client, also after a reconnection resends the recent ones', async () => {
    const fx = new GatewayFixture();
    onCleanup(() => fx.cleanup());
    const port = await closedPort();
    const first = await fx.start({ port });
    const { tick } = await simOrchestrator(fx.env, { seed: 9, tickers: 600 });
    const client = new ListClient({
      url: `ws://127.0.0.1:${port}/ws`,
      lists: [],
      WebSocket,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    onCleanup(() => client.stop());
    const got: AlertMessage[] = [];
    client.onAlert((a) => got.push(a));
    client.start();
    await waitFor(() => client.status === 'open');
    client.subscribeAlerts(CHEAP);
    for (const t of ['09:30', '09:31', '09:32']) await tick(t);
    const cheapSeqs = async () => (await streamed(fx)).filter((a) => a.row.price < 20).map((a) => a.seq);
    await waitFor(async () => got.length > 0 && got.length === (await cheapSeqs()).length, {
      timeoutMs: 10_000,
    });

    await fx.stop(first);
    await fx.start({ port });
    await waitFor(() => client.status === 'open', { timeoutMs: 10_000 });
    await tick('09:33');
    await waitFor(async () => got.length === (await cheapSeqs()).length, { timeoutMs: 10_000 });
    expect(got.map((a) => a.seq)).toEqual(await cheapSeqs());
    expect(new Set(got.map((a) => a.seq)).size).toBe(got.length);
  }, 120_000);
});
