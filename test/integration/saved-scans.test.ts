import { beforeEach, describe, expect, it } from 'vitest';
import { loadActiveScans, readOwnerScans } from '../../shared/bus/scan-registry.js';
import { closeDb, createDb } from '../../shared/db/database.js';
import type { ServerMessage, SnapshotMessage } from '../../shared/protocol/messages.js';
import { onCleanup } from '../utils/cleanup.js';
import { simOrchestrator } from '../utils/sim-orchestrator.js';
import { waitFor } from '../utils/wait.js';
import { WsTestClient } from '../utils/ws-test-client.js';
import { tokenOwner } from '../../gateway/auth.js';
import { SAVED_SCANS_OWNER } from '../../gateway/saved-scans.js';
import type { GatewayOptions } from '../../gateway/server.js';
import { gatewayWithDatabase } from '../utils/gateway-database.js';

const ALICE = 'alice-token';
const BOB = 'bob-token';
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

const volume = {
  id: 'volume',
  name: 'Most traded',
  where: [[{ field: 'price', op: '>=', value: 1 }]],
  sort: { field: 'volumeToday', dir: 'desc' },
  limit: 5,
};

/** The same scan without an id (a PUT takes the path's). */
const noId = { name: volume.name, where: volume.where, sort: volume.sort, limit: volume.limit };

interface View {
  id: string;
  list: string;
  scan: { id: string; name: string; limit: number };
  createdAt: string;
  updatedAt: string;
}

describe('saved scans: /api/scans (SPEC §13, real PostgreSQL, Redis and gateway)', () => {
  const env = gatewayWithDatabase({ clear: ['saved_scans'] });

  beforeEach(async () => {});

  async function start(overrides: Partial<GatewayOptions> = {}) {
    const g = await env.fx.start({ db: env.db, tokens: [ALICE, BOB], ...overrides });
    return { base: `http://127.0.0.1:${g.port}`, ws: `ws://127.0.0.1:${g.port}/ws`, gateway: g };
  }

  const send = (url: string, method: string, token: string, body?: unknown) =>
    fetch(url, {
      method,
      headers: body === undefined ? auth(token) : { 'content-type': 'application/json', ...auth(token) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('creates, reads, lists, replaces and deletes a token’s scan, and keeps the registry in step', async () => {
    const { base } = await start();
    const created = await send(`${base}/api/scans`, 'POST', ALICE, volume);
    expect(created.status).toBe(201);
    const view = (await created.json()) as View;
    expect(view).toMatchObject({ id: 'volume', list: 'scan:volume', scan: { ...volume, sessions: [] } });
    expect(await (await send(`${base}/api/scans/volume`, 'GET', ALICE)).json()).toEqual(view);
    expect(await (await send(`${base}/api/scans`, 'GET', ALICE)).json()).toEqual({ scans: [view] });
    // Registered under the saved owner, keyed by the token's digest: the orchestrator evaluates it.
    const registered = await readOwnerScans(env.fx.env.redis, env.fx.env.keys, SAVED_SCANS_OWNER);
    expect([...registered.keys()]).toEqual([`${tokenOwner(ALICE)}/volume`]);

    // POST on an existing id is refused; PUT replaces (200), and creates a new id (201).
    expect((await send(`${base}/api/scans`, 'POST', ALICE, volume)).status).toBe(409);
    const replaced = await send(`${base}/api/scans/volume`, 'PUT', ALICE, { ...volume, limit: 9 });
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as View).scan.limit).toBe(9);
    expect((await send(`${base}/api/scans/quiet`, 'PUT', ALICE, { ...noId, limit: 3 })).status).toBe(201);
    const active = await loadActiveScans(env.fx.env.redis, env.fx.env.keys, 100);
    expect(active.scans.map((s) => s.definition.limit).sort()).toEqual([3, 9]);

    expect((await send(`${base}/api/scans/volume`, 'DELETE', ALICE)).status).toBe(204);
    expect((await send(`${base}/api/scans/volume`, 'GET', ALICE)).status).toBe(404);
    expect((await send(`${base}/api/scans/volume`, 'DELETE', ALICE)).status).toBe(404);
    expect([...(await readOwnerScans(env.fx.env.redis, env.fx.env.keys, SAVED_SCANS_OWNER)).keys()]).toEqual([
      `${tokenOwner(ALICE)}/quiet`,
    ]);
  });

  it('refuses a bad scan with 400 and every reason, a mismatched id, and a token past SCANS_PER_TOKEN with 409', async () => {
    const { base } = await start({ scansPerToken: 2 });
    const bad = await send(`${base}/api/scans`, 'POST', ALICE, {
      ...volume,
      where: [[{ field: 'chnage5m', op: '>', value: 1 }]],
      limit: 500,
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; message: string; details: string[] };
    expect(body.error).toBe('bad_request');
    expect(body.details.join('\n')).toMatch(/where\[0\]\[0\]\.field: unknown field "chnage5m"/);
    expect(body.details.join('\n')).toMatch(/limit/);
    const other = await send(`${base}/api/scans/volume`, 'PUT', ALICE, { ...volume, id: 'another' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { message: string }).message).toMatch(/"another" is not "volume"/);

    expect((await send(`${base}/api/scans/a`, 'PUT', ALICE, volume)).status).toBe(400);
    expect((await send(`${base}/api/scans/a`, 'PUT', ALICE, noId)).status).toBe(201);
    expect((await send(`${base}/api/scans/b`, 'PUT', ALICE, noId)).status).toBe(201);
    const over = await send(`${base}/api/scans/c`, 'PUT', ALICE, noId);
    expect(over.status).toBe(409);
    expect(await over.json()).toMatchObject({ error: 'scan_limit' });
    // A replacement is not a new scan; another token has its own allowance.
    expect((await send(`${base}/api/scans/b`, 'PUT', ALICE, { ...noId, limit: 4 })).status).toBe(200);
    expect((await send(`${base}/api/scans/c`, 'PUT', BOB, noId)).status).toBe(201);
    expect(await (await send(`${base}/api/scans`, 'GET', BOB)).json()).toMatchObject({
      scans: [{ id: 'c' }],
    });
    // Scans defined on an open connection count too, until it closes.
    const c = await WsTestClient.open(`ws://${base.slice('http://'.length)}/ws`, auth(BOB));
    c.send({ op: 'scan', id: 'live', scan: noId });
    await c.ping(1);
    expect((await send(`${base}/api/scans/d`, 'PUT', BOB, noId)).status).toBe(409);
    c.close();
    await c.closed;
    await expect.poll(async () => (await send(`${base}/api/scans/d`, 'PUT', BOB, noId)).status).toBe(201);
  });

  it('answers 401 without a token and 503 while the database is down', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/api/scans`)).status).toBe(401);
    const dead = createDb('postgres://postgres@127.0.0.1:1/nowhere');
    onCleanup(() => closeDb(dead));
    const { base: deadBase } = await start({ db: dead });
    const res = await send(`${deadBase}/api/scans/volume`, 'PUT', ALICE, volume);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'database_unavailable' });
  });

  it('streams a saved scan to its token only, continues its sequence across restarts, and heals a registry Redis lost', async () => {
    const { base, ws, gateway } = await start({ savedScansSyncMs: 200 });
    expect((await send(`${base}/api/scans`, 'POST', ALICE, volume)).status).toBe(201);
    let scanner = await simOrchestrator(env.fx.env, { seed: 5, tickers: 300 });
    const alice = await WsTestClient.open(ws, auth(ALICE));
    const bob = await WsTestClient.open(ws, auth(BOB));
    onCleanup(() => alice.close());
    onCleanup(() => bob.close());
    alice.send({ op: 'subscribe', lists: ['scan:volume'] });
    bob.send({ op: 'subscribe', lists: ['scan:volume'] });
    await Promise.all([alice.ping(1), bob.ping(1)]);
    expect(bob.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'unknown_list' });
    for (const t of ['09:35', '09:40', '09:45']) await scanner.tick(t);
    const isVolume = (m: ServerMessage) =>
      (m.type === 'snapshot' || m.type === 'delta') && m.list === 'scan:volume';
    await alice.waitFor(isVolume);
    // The last seq published, from the list's stored state (the client may not have read it yet).
    const [published] = (await loadActiveScans(env.fx.env.redis, env.fx.env.keys, 100)).scans;
    const stored = await env.fx.env.redis.hget(env.fx.env.keys.listSnapshots, published!.list);
    const lastSeq = (JSON.parse(stored!) as SnapshotMessage).seq;
    expect(lastSeq).toBeGreaterThanOrEqual(2);
    await waitFor(() => alice.listMessages('scan:volume').at(-1)?.seq === lastSeq, { timeoutMs: 10_000 });

    // Everything restarts: the orchestrator, the gateway; the saved scan's list goes on from its seq.
    await scanner.stop();
    alice.close();
    await env.fx.stop(gateway);
    scanner = await simOrchestrator(env.fx.env, { seed: 5, tickers: 300 });
    const again = await start({ savedScansSyncMs: 200 });
    const back = await WsTestClient.open(again.ws, auth(ALICE));
    onCleanup(() => back.close());
    back.send({ op: 'subscribe', lists: ['scan:volume'] });
    const snapshot = (await back.waitFor(isVolume)) as SnapshotMessage;
    expect(snapshot.type).toBe('snapshot');
    expect(snapshot.seq).toBe(lastSeq);
    await scanner.tick('10:30');
    await waitFor(() => back.listMessages('scan:volume').at(-1)!.seq === lastSeq + 1, { timeoutMs: 10_000 });
    expect(back.listMessages('scan:volume').at(-1)!.prevSeq).toBe(lastSeq);

    // Redis lost the registry (a restart with nothing on disk): the next sync from PostgreSQL writes it back.
    await env.fx.env.redis.del(env.fx.env.keys.scansOwner(SAVED_SCANS_OWNER));
    await waitFor(
      async () => (await readOwnerScans(env.fx.env.redis, env.fx.env.keys, SAVED_SCANS_OWNER)).size === 1,
      {
        timeoutMs: 5_000,
      },
    );
  }, 120_000);
});
