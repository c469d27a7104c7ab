import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { MarketCalendar } from '../../shared/market/calendar.js';
import { PolygonRestClient } from '../../shared/vendor/polygon-rest.js';
import { DecodePool } from '../../orchestrator/decode-pool.js';
import { PolygonSource } from '../../orchestrator/polygon-source.js';
import { FAKE_API_KEY, startFakeVendor } from '../fake-vendor/server.js';
import { onCleanup } from '../utils/cleanup.js';
import { GatewayFixture } from '../utils/gateway-fixture.js';
import { ny } from '../utils/market.js';
import { orchestratorFor, ScriptedSource, snap } from '../utils/orchestrator.js';
import { waitFor } from '../utils/wait.js';

/*
 * The orchestrator and the gateway together (real Redis, uWS): what /health says about the lists served when
 * the orchestrator stops, and when it is switched to the vendor outside market hours after a simulated run.
 */

const logger = createLogger('test', 'silent');

interface Health {
  source: string;
  ageMs: number | null;
  session: string | null;
}

async function gatewayOn(fx: GatewayFixture) {
  onCleanup(() => fx.cleanup());
  const g = await fx.start({ staleAfterMs: 1_000 });
  return async () => {
    const res = await fetch(`http://127.0.0.1:${g.port}/health`);
    return { code: res.status, body: (await res.json()) as Health };
  };
}

describe('freshness from orchestrator to gateway', () => {
  it('turns /health down with 503 when the orchestrator stops', async () => {
    const fx = new GatewayFixture();
    const health = await gatewayOn(fx);
    const source = new ScriptedSource();
    const o = orchestratorFor(fx.env, source, { reportEveryMs: 100, staleAfterMs: 1_000 });
    onCleanup(() => o.stop());
    await o.start();
    source.push(snap('10:00', [['AAA', 11, 10]]));
    await waitFor(async () => (await health()).body.source === 'live');
    await o.stop(); // as after the vendor refused the key: the process stops
    await waitFor(async () => (await health()).body.source === 'down');
    expect((await health()).code).toBe(503);
  });

  it('says closed with the age of the simulated lists after a switch to the vendor outside market hours', async () => {
    const fx = new GatewayFixture();
    const health = await gatewayOn(fx);
    // A simulated run: its market clock is hours ahead of the wall clock (another day at 10:00).
    const sim = new ScriptedSource();
    const first = orchestratorFor(fx.env, sim, { reportEveryMs: 100 });
    onCleanup(() => first.stop());
    await first.start();
    const receivedAt = Date.now();
    sim.push(snap('10:00', [['AAA', 11, 10]], { date: '2030-01-02' }));
    await waitFor(async () => (await health()).body.source === 'live');
    await first.stop();

    // FEED=polygon at 21:00 New York time: no session, no poll, the simulated lists stay served.
    const vendor = await startFakeVendor({});
    onCleanup(() => vendor.close());
    const decoder = new DecodePool({ threads: 1, logger });
    onCleanup(() => decoder.close());
    const started = Date.now();
    const polygon = new PolygonSource({
      rest: new PolygonRestClient({ baseUrl: vendor.restUrl, apiKey: FAKE_API_KEY, logger }),
      decoder,
      redis: fx.env.redis,
      keys: fx.env.keys,
      calendar: new MarketCalendar(),
      logger,
      onFatal: () => {},
      intervalMs: 200,
      now: () => ny('21:00') + (Date.now() - started),
    });
    const second = orchestratorFor(fx.env, polygon, { reportEveryMs: 100 });
    onCleanup(() => second.stop());
    await second.start();
    await waitFor(async () => (await health()).body.source === 'closed');
    const closed = await health();
    expect(closed.code).toBe(200);
    expect(closed.body.session).toBe('CLOSED');
    // The age of the lists on the wall clock since the simulated run received them: not 0, and growing.
    expect(closed.body.ageMs).toBeGreaterThanOrEqual(Date.now() - receivedAt - 1_000);
    expect(closed.body.ageMs).toBeGreaterThan(0);
    await waitFor(async () => (await health()).body.ageMs! > closed.body.ageMs!);
  });
});
