import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadActiveScans } from '../../shared/bus/scan-registry.js';
import { onCleanup } from '../utils/cleanup.js';
import { GatewayFixture } from '../utils/gateway-fixture.js';
import { closedPort } from '../utils/net.js';
import { simOrchestrator } from '../utils/sim-orchestrator.js';
import { waitFor } from '../utils/wait.js';
import type { ScanRow } from '../../shared/protocol/messages.js';
import { ListClient, type ListClientError } from '../../shared/sdk/list-client.js';

describe('the SDK with user-defined scans (SPEC §13, real gateway and orchestrator)', () => {
  it('defines a scan, follows scan:<id>, defines it again after the gateway restarts, and reports a bad one', async () => {
    const fx = new GatewayFixture();
    onCleanup(() => fx.cleanup());
    // A fixed port, as in production: one bound as 0 is exclusive and would not rebind (list-client.test.ts).
    const first = await fx.start({ port: await closedPort() });
    const { tick } = await simOrchestrator(fx.env, { seed: 3, tickers: 300 });

    const client = new ListClient({
      url: `ws://127.0.0.1:${first.port}/ws`,
      lists: [],
      WebSocket,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    onCleanup(() => client.stop());
    const seen: { list: string; rows: readonly ScanRow[] }[] = [];
    const errors: ListClientError[] = [];
    client.onList((list, rows) => seen.push({ list, rows }));
    client.onError((e) => errors.push(e));
    client.start();
    await waitFor(() => client.status === 'open');
    client.defineScan('cheap', {
      where: [[{ field: 'price', op: '<', value: 20 }]],
      sort: { field: 'volumeToday', dir: 'desc' },
      limit: 5,
    });
    client.subscribe(['scan:cheap']);
    const registered = async () => (await loadActiveScans(fx.env.redis, fx.env.keys, 10)).scans.length === 1;
    await waitFor(registered);
    await tick('09:35');
    await waitFor(() => client.rows('scan:cheap').length > 0, { timeoutMs: 10_000 });
    expect(client.rows('scan:cheap').every((r) => r.price < 20)).toBe(true);

    // A new gateway on the same port: the scan died with the connection; the SDK defines it again.
    await fx.stop(first);
    const second = await fx.start({ port: first.port });
    expect(second.port).toBe(first.port);
    await waitFor(() => client.status === 'open', { timeoutMs: 10_000 });
    await waitFor(registered);
    const before = seen.length;
    await tick('09:40');
    await waitFor(() => seen.length > before && seen.at(-1)!.list === 'scan:cheap', { timeoutMs: 10_000 });

    client.defineScan('broken', {
      where: [[{ field: 'nope', op: '>', value: 1 }]],
      sort: { field: 'price', dir: 'asc' },
    });
    await waitFor(() => errors.some((e) => e.source === 'server' && /unknown field "nope"/.test(e.message)));
  }, 120_000);
});
