import { describe, expect, it } from 'vitest';
import { loadActiveScans } from '../../shared/bus/scan-registry.js';
import type { ListMessage, ServerMessage, SnapshotMessage } from '../../shared/protocol/messages.js';
import { parseScan, type ScanDefinitionInput } from '../../shared/scan/scan-definition.js';
import { liveScanList } from '../../shared/scan/scan-list-names.js';
import { onCleanup } from '../utils/cleanup.js';
import { GatewayFixture } from '../utils/gateway-fixture.js';
import { applyListMessage } from '../utils/list-model.js';
import { simOrchestrator } from '../utils/sim-orchestrator.js';
import { waitFor } from '../utils/wait.js';
import { WsTestClient } from '../utils/ws-test-client.js';

/** A definition as the op sends it (the op's id is the scan's). */
const gainers: Omit<ScanDefinitionInput, 'id'> = {
  where: [[{ field: 'changePercent', op: '>=', value: 0.5 }]],
  sort: { field: 'changePercent', dir: 'desc' },
  limit: 10,
};

const isError = (m: ServerMessage): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error';
const isListOf =
  (list: string) =>
  (m: ServerMessage): m is ListMessage =>
    (m.type === 'snapshot' || m.type === 'delta') && m.list === list;

/** A gateway and a real orchestrator on one fresh Redis prefix; `tick` scans the simulated market at `time`. */
async function setup(gatewayOptions: { scansPerToken?: number; scansMax?: number } = {}) {
  const fx = new GatewayFixture();
  onCleanup(() => fx.cleanup());
  const gateway = await fx.start(gatewayOptions);
  const { orch, tick } = await simOrchestrator(fx.env, { seed: 11, tickers: 400 });
  const url = `ws://127.0.0.1:${gateway.port}/ws`;
  const open = async () => {
    const c = await WsTestClient.open(url);
    onCleanup(() => c.close());
    return c;
  };
  return { fx, orch, open, tick, gatewayPort: gateway.port };
}

describe('user-defined scans over the WebSocket (SPEC §13, real gateway, orchestrator and Redis)', () => {
  it('streams a scan a client defined under its own name: snapshot, then deltas that follow', async () => {
    const { fx, open, tick, gatewayPort } = await setup();
    const c = await open();
    c.send({ op: 'scan', id: 'mine', scan: gainers });
    c.send({ op: 'subscribe', lists: ['scan:mine'] });
    await c.ping(1);
    expect(c.messages.filter(isError)).toEqual([]);
    // The definition is in the registry, under this gateway's leased owner.
    const active = await loadActiveScans(fx.env.redis, fx.env.keys, 100);
    expect(active.scans.map((s) => s.list)).toEqual([liveScanList(parseScan({ ...gainers, id: 'x' }))]);

    for (const t of ['09:35', '09:40', '09:45', '09:50']) await tick(t);
    const published = active.scans[0]!.list;
    const stored = JSON.parse(
      (await fx.env.redis.hget(fx.env.keys.listSnapshots, published))!,
    ) as SnapshotMessage;
    await waitFor(() => c.listMessages('scan:mine').at(-1)?.seq === stored.seq, { timeoutMs: 10_000 });

    const mine = c.listMessages('scan:mine');
    expect(mine[0]!.type).toBe('snapshot');
    expect(mine.length).toBeGreaterThan(1);
    // Applied in order, the client's messages give exactly the published list, and never a gap.
    let symbols: string[] = [];
    for (const [k, m] of mine.entries()) {
      if (k > 0) expect(m.prevSeq).toBe(mine[k - 1]!.seq);
      symbols = applyListMessage(symbols, m);
    }
    expect(symbols).toEqual(stored.rows.map((r) => r.symbol));
    expect(stored.rows.length).toBeGreaterThan(0);
    expect(stored.rows.every((r) => (r.changePercent ?? 0) >= 0.5)).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${gatewayPort}/metrics`)).text();
    expect(metrics).toMatch(/^scanner_gateway_user_scans\{kind="connection"\} 1$/m);
    // No message names the published key: the rename is per client.
    expect(c.messages.some((m) => JSON.stringify(m).includes(published))).toBe(false);
  }, 120_000);

  it('computes one definition once for two clients, each hearing it under its own id, and a late subscriber gets the current snapshot', async () => {
    const { fx, open, tick } = await setup();
    const a = await open();
    const b = await open();
    a.send({ op: 'scan', id: 'up', scan: gainers });
    a.send({ op: 'subscribe', lists: ['scan:up'] });
    b.send({ op: 'scan', id: 'risers', scan: { ...gainers, name: 'another name, same scan' } });
    await Promise.all([a.ping(1), b.ping(1)]);
    expect((await loadActiveScans(fx.env.redis, fx.env.keys, 100)).scans).toHaveLength(1);
    await tick('09:35');
    await tick('09:40');
    await a.waitFor(isListOf('scan:up'));
    // b subscribes after the list was published: its first message is the current snapshot, read from Redis.
    b.send({ op: 'subscribe', lists: ['scan:risers'] });
    const first = await b.waitFor(isListOf('scan:risers'));
    expect(first.type).toBe('snapshot');
    const aSeq = a.listMessages('scan:up').at(-1)!.seq;
    expect(first.seq).toBe(aSeq);
    await tick('09:45');
    await waitFor(() => a.listMessages('scan:up').at(-1)!.seq > aSeq, { timeoutMs: 10_000 });
    await waitFor(() => b.listMessages('scan:risers').at(-1)!.seq === a.listMessages('scan:up').at(-1)!.seq, {
      timeoutMs: 10_000,
    });
  }, 120_000);

  it('refuses a bad definition naming the field, an undefined scan with unknown_list, and more scans than SCANS_PER_TOKEN', async () => {
    const { open, tick } = await setup({ scansPerToken: 2 });
    const c = await open();
    c.send({
      op: 'scan',
      id: 'typo',
      scan: { ...gainers, where: [[{ field: 'chnage5m', op: '>', value: 1 }]] },
    });
    c.send({
      op: 'scan',
      id: 'range',
      scan: {
        ...gainers,
        where: [
          [
            { field: 'price', op: '>=', value: 10 },
            { field: 'price', op: '<=', value: 5 },
          ],
        ],
      },
    });
    c.send({ op: 'subscribe', lists: ['gappers_up', 'scan:nothing'] });
    await c.ping(1);
    const errors = c.messages.filter(isError);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ code: 'bad_request' });
    expect(errors[0]!.message).toMatch(/scan\.where\[0\]\[0\]\.field: unknown field "chnage5m"/);
    expect(errors[1]!.message).toMatch(/price/);
    expect(errors[2]).toMatchObject({ code: 'unknown_list' });
    expect(errors[2]!.message).toMatch(/"scan:nothing"/);
    // The rest of the op is done: gappers_up is subscribed (its snapshot comes once published).
    await tick('09:35');
    await c.waitFor(isListOf('gappers_up'));

    c.send({ op: 'scan', id: 'one', scan: gainers });
    c.send({ op: 'scan', id: 'two', scan: { ...gainers, limit: 5 } });
    c.send({ op: 'scan', id: 'three', scan: { ...gainers, limit: 6 } });
    // Replacing one of the two held is not a new scan.
    c.send({ op: 'scan', id: 'two', scan: { ...gainers, limit: 7 } });
    await c.ping(2);
    const more = c.messages.filter(isError).slice(3);
    expect(more).toHaveLength(1);
    expect(more[0]!.message).toMatch(/already holds 2 scans \(SCANS_PER_TOKEN/);
    // Removing one frees a place; removing one that is not there says so.
    c.send({ op: 'unscan', id: 'one' });
    c.send({ op: 'scan', id: 'three', scan: { ...gainers, limit: 6 } });
    c.send({ op: 'unscan', id: 'one' });
    await c.ping(3);
    const last = c.messages.filter(isError).slice(4);
    expect(last.map((e) => e.message)).toEqual(['no scan "one" on this connection']);
  }, 60_000);

  it('refuses a new distinct scan once SCANS_MAX are evaluated, but not a definition already evaluated', async () => {
    const { open } = await setup({ scansMax: 1 });
    const a = await open();
    const b = await open();
    a.send({ op: 'scan', id: 'first', scan: gainers });
    await a.ping(1);
    b.send({ op: 'scan', id: 'other', scan: { ...gainers, limit: 3 } });
    b.send({ op: 'scan', id: 'same', scan: gainers });
    await b.ping(1);
    const errors = b.messages.filter(isError);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/already evaluates 1 distinct scans \(SCANS_MAX\)/);
  }, 60_000);

  it('takes a connection’s scans out of the registry when it closes, and moves a subscriber to a replaced definition', async () => {
    const { fx, open, tick } = await setup();
    const c = await open();
    c.send({ op: 'scan', id: 'mine', scan: gainers });
    c.send({ op: 'subscribe', lists: ['scan:mine'] });
    await c.ping(1);
    await tick('09:35');
    const before = await c.waitFor(isListOf('scan:mine'));
    // Replaced while subscribed: the client gets the new definition's snapshot under the same name.
    c.send({ op: 'scan', id: 'mine', scan: { ...gainers, limit: 3 } });
    await c.ping(2);
    await tick('09:40');
    await waitFor(
      () =>
        c.listMessages('scan:mine').some((m) => m !== before && m.type === 'snapshot' && m.rows.length <= 3),
      { timeoutMs: 10_000 },
    );
    const active = await loadActiveScans(fx.env.redis, fx.env.keys, 100);
    expect(active.scans.map((s) => s.definition.limit)).toEqual([3]);

    c.close();
    await waitFor(async () => (await loadActiveScans(fx.env.redis, fx.env.keys, 100)).registered === 0, {
      timeoutMs: 5_000,
    });
  }, 120_000);
});
