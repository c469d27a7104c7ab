import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  putOrchestratorReport,
  putReceivedAt,
  type OrchestratorReport,
} from '../shared/bus/orchestrator-status.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { heartbeatMessageSchema, type HeartbeatMessage } from '../shared/protocol/messages.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { GatewayFixture, rows } from '../test/utils/gateway-fixture.js';
import { closedPort } from '../test/utils/net.js';
import type { GatewayOptions } from './server.js';

interface Health {
  status: string;
  source: string;
  ageMs: number | null;
  session: string | null;
  redis: string;
  postgres: string;
}

/** A gateway on a fresh fixture (lists published, a `live` report written); `o` on top of the defaults. */
async function gateway(o: Partial<GatewayOptions> = {}) {
  const fx = new GatewayFixture();
  onCleanup(() => fx.cleanup());
  await fx.market.scan({ winners: rows(['WIN']) });
  const g = await fx.start(o);
  const base = `http://127.0.0.1:${g.port}`;
  const health = async () => {
    const res = await fetch(`${base}/health`);
    return { code: res.status, body: (await res.json()) as Health };
  };
  const metrics = async () => (await fetch(`${base}/metrics`)).text();
  /** Writes a report as the orchestrator does; `receivedAtMs` as a scan's MULTI does. */
  const report = async (r: Partial<OrchestratorReport>, receivedAtMs?: number) => {
    const multi = fx.env.redis.multi();
    putOrchestratorReport(multi, fx.env.keys, {
      reportedAtMs: Date.now(),
      session: 'MARKET_OPEN',
      state: 'live',
      ...r,
    });
    if (receivedAtMs !== undefined) putReceivedAt(multi, fx.env.keys, receivedAtMs);
    await multi.exec();
  };
  return { fx, g, base, health, metrics, report };
}

describe('the freshness the gateway serves (real Redis, PostgreSQL, uWS)', () => {
  it('says live with 200 while the orchestrator reports live, and names Redis and PostgreSQL up', async () => {
    const { health, metrics } = await gateway();
    await expect.poll(async () => (await health()).body.redis).toBe('up');
    const { code, body } = await health();
    expect(code).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      source: 'live',
      session: 'MARKET_OPEN',
      redis: 'up',
      postgres: 'up',
    });
    expect(body.ageMs).toBeGreaterThanOrEqual(0);
    const text = await metrics();
    expect(text).toMatch(/^scanner_gateway_source_state\{state="live"\} 1$/m);
    expect(text).toMatch(/^scanner_gateway_source_state\{state="down"\} 0$/m);
    expect(text).toMatch(/^scanner_gateway_postgres_up 1$/m);
    expect(text).toMatch(/^scanner_gateway_redis_up 1$/m);
    expect(text).toMatch(/^scanner_gateway_source_age_seconds \d/m);
  });

  it('turns down (503) once the orchestrator has not reported for staleAfterMs', async () => {
    // 2 s, not less: the fixture's report is written before the gateway starts, and under a loaded CI machine the
    // first /health can come a second later; the test is about the transition, not the bound's size.
    const { health, metrics, report } = await gateway({ staleAfterMs: 2_000 });
    await report({});
    expect((await health()).body.source).toBe('live');
    // Nobody reports any more, as when the orchestrator died or hangs.
    await expect.poll(async () => (await health()).body.source, { timeout: 10_000 }).toBe('down');
    const { code, body } = await health();
    expect(code).toBe(503);
    expect(body.status).toBe('degraded');
    expect(await metrics()).toMatch(/^scanner_gateway_source_state\{state="down"\} 1$/m);
  });

  it('says stale with 503 when the orchestrator reports that no fresh data arrives', async () => {
    const { health, report } = await gateway();
    await report({ state: 'stale' });
    await expect.poll(async () => (await health()).code).toBe(503);
    expect((await health()).body).toMatchObject({ status: 'degraded', source: 'stale' });
  });

  it('says closed with 200 and an age that grows on the wall clock while the market is closed', async () => {
    const { health, report } = await gateway();
    const receivedAtMs = Date.now() - 60_000;
    await report({ state: 'closed', session: 'CLOSED' }, receivedAtMs);
    await expect.poll(async () => (await health()).body.source).toBe('closed');
    const first = await health();
    expect(first.code).toBe(200);
    expect(first.body).toMatchObject({ status: 'ok', session: 'CLOSED' });
    expect(first.body.ageMs).toBeGreaterThanOrEqual(60_000);
    await report({ state: 'closed', session: 'CLOSED' });
    await expect.poll(async () => (await health()).body.ageMs).toBeGreaterThan(first.body.ageMs!);
  });

  it('names PostgreSQL down in /health and /metrics when it refuses, and keeps serving the lists', async () => {
    const dead = createDb(`postgres://postgres@127.0.0.1:${await closedPort()}/nowhere`);
    onCleanup(() => closeDb(dead));
    const { base, health, metrics } = await gateway({ db: dead });
    // The stream reader connects on its own connection just after start: wait for it to be up.
    await expect.poll(async () => (await health()).body.redis).toBe('up');
    const { code, body } = await health();
    expect(body).toMatchObject({ status: 'degraded', source: 'live', postgres: 'down' });
    expect(code).toBe(200);
    expect(await metrics()).toMatch(/^scanner_gateway_postgres_up 0$/m);
    expect((await fetch(`${base}/api/lists/winners`)).status).toBe(200);
  });

  it('carries source, ageMs and session in every heartbeat', async () => {
    const { g, report } = await gateway({ heartbeatMs: 50 });
    await report({ state: 'closed', session: 'CLOSED' }, Date.now() - 5_000);
    const ws = new WebSocket(`ws://127.0.0.1:${g.port}/ws`);
    onCleanup(() => ws.close());
    const closed = await new Promise<HeartbeatMessage>((resolve) => {
      ws.on('message', (data: Buffer) => {
        const msg = heartbeatMessageSchema.safeParse(JSON.parse(data.toString('utf8')));
        if (msg.success && msg.data.source === 'closed') resolve(msg.data);
      });
    });
    expect(closed.session).toBe('CLOSED');
    expect(closed.ageMs).toBeGreaterThanOrEqual(5_000);
  });
});
