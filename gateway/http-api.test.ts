import { beforeEach, describe, expect, it } from 'vitest';
import { closeDb, createDb, insertScanResults, upsertMetadata } from '../shared/db/database.js';
import type { OrchestratorMetrics } from '../shared/bus/orchestrator-metrics.js';
import { writeBootstrapStatus } from '../shared/bus/bootstrap-status.js';
import { metadata } from '../test/utils/market.js';
import { TS } from '../test/utils/gateway-fixture.js';
import { scanRow } from '../test/utils/scan-row.js';
import type { GatewayOptions } from './server.js';
import { gatewayWithDatabase } from '../test/utils/gateway-database.js';

const TOKEN = 'secret-token';

/** The orchestrator's figures published with a scan, as /metrics shows them. */
const METRICS: OrchestratorMetrics = {
  events: 7,
  scans: 3,
  droppedSnapshots: 1,
  failedScans: 0,
  publishFailures: 0,
  referenceFailures: 0,
  noPriceRows: 2,
  foldedBars: 0,
  staleBars: 0,
  lateEvents: 0,
  persistFailures: 0,
  subscriptionFailures: 0,
  ackFailures: 0,
  rejectedRows: 0,
  sourceStale: 0,
  tickers: 12_000,
  lastScanMs: 4.5,
  scansActive: 40,
  scansSkipped: 1,
  lastScanEvalMs: 3.25,
  lastScanTimestampSeconds: 1_772_462_701.123,
  rssBytes: 200_000_000,
  heapUsedBytes: 50_000_000,
  externalBytes: 90_000_000,
};

describe('the gateway HTTP API', () => {
  const env = gatewayWithDatabase({ clear: ['scanner_filters'] });

  beforeEach(async () => {});

  /** A gateway on this file's database (`overrides` on top); resolves with its base URL. */
  async function start(overrides: Partial<GatewayOptions> = {}): Promise<string> {
    const g = await env.fx.start({ db: env.db, ...overrides });
    return `http://127.0.0.1:${g.port}`;
  }

  const send = (url: string, method: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  describe('filters', () => {
    const gappers = { name: 'gappers', priority: 2, parameters: { minPrice: 1, minRvol: 2 } };

    it('creates, reads, replaces and deletes a filter', async () => {
      const base = await start();
      const created = await send(`${base}/api/filters`, 'POST', gappers);
      expect(created.status).toBe(201);
      const filter = (await created.json()) as { id: number; name: string; enabled: boolean };
      expect(filter).toMatchObject({ name: 'gappers', enabled: true, sessions: [], priority: 2 });

      expect(await (await fetch(`${base}/api/filters/${filter.id}`)).json()).toEqual(filter);
      const listed = (await (await fetch(`${base}/api/filters`)).json()) as { filters: unknown[] };
      expect(listed.filters).toEqual([filter]);

      const replaced = await send(`${base}/api/filters/${filter.id}`, 'PUT', { ...gappers, enabled: false });
      expect(replaced.status).toBe(200);
      expect(await replaced.json()).toMatchObject({ id: filter.id, enabled: false });

      expect((await send(`${base}/api/filters/${filter.id}`, 'DELETE')).status).toBe(204);
      expect((await fetch(`${base}/api/filters/${filter.id}`)).status).toBe(404);
      expect((await send(`${base}/api/filters/${filter.id}`, 'DELETE')).status).toBe(404);
    });

    it('rejects an invalid filter whole, naming every bad field, and stores nothing', async () => {
      const base = await start();
      const res = await send(`${base}/api/filters`, 'POST', {
        name: 'typo',
        sessions: ['LUNCH'],
        parameters: { minPirce: 1 },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; details: string[] };
      expect(body.error).toBe('invalid_filter');
      expect(body.details.join('\n')).toMatch(/sessions/);
      expect(body.details.join('\n')).toMatch(/minPirce/);
      expect(await (await fetch(`${base}/api/filters`)).json()).toEqual({ filters: [] });
    });

    it('rejects a filter whose min bound is above its max bound with 400 naming both, and stores nothing', async () => {
      const base = await start();
      const res = await send(`${base}/api/filters`, 'POST', {
        name: 'impossible',
        parameters: { minPrice: 10, maxPrice: 1 },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; message: string; details: string[] };
      expect(body.error).toBe('invalid_filter');
      expect(body.details).toEqual([
        'parameters.minPrice: minPrice 10 is above maxPrice 1: no ticker can match',
      ]);
      expect(body.message).toMatch(/minPrice 10 is above maxPrice 1/);
      // A replacement is held to the same rule and leaves the stored filter as it was.
      const created = await send(`${base}/api/filters`, 'POST', gappers);
      const stored = (await created.json()) as { id: number };
      const put = await send(`${base}/api/filters/${stored.id}`, 'PUT', {
        ...gappers,
        parameters: { minRvol: 5, maxRvol: 2 },
      });
      expect(put.status).toBe(400);
      expect(((await put.json()) as { details: string[] }).details.join('\n')).toMatch(
        /minRvol 5 is above maxRvol 2/,
      );
      expect(await (await fetch(`${base}/api/filters/${stored.id}`)).json()).toEqual(stored);
    });

    it('answers a taken name with 409, a mismatched id with 400 and an unknown id with 404', async () => {
      const base = await start();
      const { id } = (await (await send(`${base}/api/filters`, 'POST', gappers)).json()) as { id: number };
      const dup = await send(`${base}/api/filters`, 'POST', gappers);
      expect(dup.status).toBe(409);
      expect(await dup.json()).toMatchObject({ error: 'duplicate_name' });
      expect((await send(`${base}/api/filters`, 'POST', { ...gappers, id: 5 })).status).toBe(400);
      expect((await send(`${base}/api/filters/${id}`, 'PUT', { ...gappers, id: id + 1 })).status).toBe(400);
      expect((await send(`${base}/api/filters/999999`, 'PUT', { ...gappers, name: 'other' })).status).toBe(
        404,
      );
      expect((await fetch(`${base}/api/filters/abc`)).status).toBe(404);
    });

    it('refuses bodies that are not JSON objects, not declared as JSON, or too large', async () => {
      const base = await start();
      expect((await send(`${base}/api/filters`, 'POST', '{not json')).status).toBe(400);
      expect((await send(`${base}/api/filters`, 'POST', [gappers])).status).toBe(400);
      const plain = await fetch(`${base}/api/filters`, { method: 'POST', body: JSON.stringify(gappers) });
      expect(plain.status).toBe(415);
      const huge = { ...gappers, description: 'x'.repeat(100_000) };
      expect((await send(`${base}/api/filters`, 'POST', huge)).status).toBe(413);
      // The gateway is still serving.
      expect((await send(`${base}/api/filters`, 'POST', gappers)).status).toBe(201);
    });

    it('answers 503 while the database is unreachable and keeps serving the lists', async () => {
      const dead = createDb('postgres://postgres@127.0.0.1:1/nowhere');
      try {
        const base = await start({ db: dead });
        await env.fx.market.scan({ winners: [scanRow('WIN', 1)] });
        const res = await fetch(`${base}/api/filters`);
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ error: 'database_unavailable' });
        await expect.poll(async () => (await fetch(`${base}/api/lists/winners`)).status).toBe(200);
      } finally {
        await closeDb(dead);
      }
    });
  });

  describe('tickers', () => {
    beforeEach(async () => {
      await upsertMetadata(env.db, [
        metadata('AAPL', { companyName: 'Apple Inc.' }),
        metadata('AAL', { companyName: 'American Airlines Group' }),
        metadata('PAA', { companyName: 'Plains All American Pipeline' }),
      ]);
      await insertScanResults(env.db, [
        {
          time: '2026-03-02T14:45:00.000Z',
          symbol: 'AAPL',
          session: 'MARKET_OPEN',
          price: 201.5,
          volumeToday: 1_000_000,
          changePercent: 2.5,
          rvol: 3.1,
          rvolSlot: null,
          gapFromOpen: 0.5,
          priceFromHigh: -0.2,
          priceFromLow: 3,
          marketCap: null,
          floatShares: null,
          score: 40,
          rank: 4,
          filtersMatched: [],
          lists: ['winners'],
        },
      ]);
    });

    it('describes a ticker: its live row and ranks, its metadata and its last persisted scan', async () => {
      const base = await start();
      await env.fx.market.scan({
        winners: [scanRow('MSFT', 1), scanRow('AAPL', 2, { scoreRank: 4 })],
        high_volume: [scanRow('AAPL', 1, { scoreRank: 4 })],
      });
      await expect.poll(async () => (await fetch(`${base}/api/lists/winners`)).status).toBe(200);
      const body = (await (await fetch(`${base}/api/tickers/aapl`)).json()) as Record<string, unknown>;
      expect(body.symbol).toBe('AAPL');
      expect(body.lists).toEqual({ winners: 2, high_volume: 1 });
      expect(body.row).toMatchObject({ symbol: 'AAPL', rank: 4, scoreRank: 4 });
      expect(body.metadata).toMatchObject({ symbol: 'AAPL', companyName: 'Apple Inc.' });
      expect(body.lastScan).toMatchObject({
        time: '2026-03-02T14:45:00.000Z',
        price: 201.5,
        lists: ['winners'],
      });
    });

    it('answers 404 for a symbol the scanner knows nothing about and 400 for a malformed one', async () => {
      const base = await start();
      expect((await fetch(`${base}/api/tickers/ZZZZ`)).status).toBe(404);
      expect((await fetch(`${base}/api/tickers/%24%24`)).status).toBe(400);
    });

    it('searches symbols by prefix first, then company names', async () => {
      const base = await start();
      const res = await fetch(`${base}/api/tickers?q=aa`);
      const { tickers } = (await res.json()) as { tickers: { symbol: string }[] };
      expect(tickers.map((t) => t.symbol)).toEqual(['AAL', 'AAPL']);
      const byName = (await (await fetch(`${base}/api/tickers?q=american`)).json()) as {
        tickers: { symbol: string }[];
      };
      expect(byName.tickers.map((t) => t.symbol)).toEqual(['AAL', 'PAA']);
      // LIKE wildcards are literal.
      expect(await (await fetch(`${base}/api/tickers?q=%25`)).json()).toEqual({ tickers: [] });
      expect((await fetch(`${base}/api/tickers?q=`)).status).toBe(400);
      expect((await fetch(`${base}/api/tickers?q=a&limit=1000`)).status).toBe(400);
    });
  });

  describe('tokens', () => {
    it('requires a token on /api and /metrics but not on /health', async () => {
      const base = await start({ tokens: [TOKEN] });
      await env.fx.market.scan({ winners: [scanRow('WIN', 1)] }); // an orchestrator reporting: /health is 200
      await expect.poll(async () => (await fetch(`${base}/health`)).status).toBe(200);
      for (const path of ['/api/lists', '/api/filters', '/metrics']) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).toBe(401);
        expect(await res.json()).toMatchObject({ error: 'unauthorized' });
        expect(
          (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
        ).toBe(200);
        expect((await fetch(`${base}${path}?token=${TOKEN}`)).status).toBe(200);
        expect((await fetch(`${base}${path}?token=wrong`)).status).toBe(401);
      }
      expect((await fetch(`${base}/health`)).status).toBe(200);
    });
  });

  describe('metrics', () => {
    it("exposes the gateway's counters and the orchestrator's last published figures", async () => {
      const base = await start({ tokens: [TOKEN] });
      await fetch(`${base}/api/lists`); // one 401
      await env.fx.market.scan({ winners: [scanRow('WIN', 1)] }, TS, METRICS);
      await expect
        .poll(async () => (await fetch(`${base}/api/lists/winners?token=${TOKEN}`)).status)
        .toBe(200);
      const res = await fetch(`${base}/metrics?token=${TOKEN}`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(/^scanner_gateway_clients 0$/m);
      expect(text).toMatch(/^scanner_gateway_redis_up 1$/m);
      expect(text).toMatch(/^scanner_gateway_list_messages_total 11$/m);
      expect(text).toMatch(/^scanner_gateway_unauthorized_total\{via="http"\} 1$/m);
      expect(text).toMatch(/^# TYPE scanner_orchestrator_scans_total counter$/m);
      expect(text).toMatch(/^scanner_orchestrator_scans_total 3$/m);
      expect(text).toMatch(/^scanner_orchestrator_last_scan_ms 4\.5$/m);
      expect(text).toMatch(/^scanner_orchestrator_tickers 12000$/m);
      expect(text).toMatch(/^scanner_gateway_process_resident_memory_bytes \d+/m);
    });

    it("leaves the orchestrator's figures out before its first scan", async () => {
      const base = await start();
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).not.toMatch(/scanner_orchestrator_/);
      expect(text).toMatch(/^scanner_gateway_clients 0$/m);
    });
  });

  type Health = { asOf: string; ageMs: number; source: string };

  it('serves the last lists with their freshness and their age on the wall clock since they were received', async () => {
    const base = await start();
    const before = (await (await fetch(`${base}/api/lists`)).json()) as Record<string, unknown>;
    expect(before).toEqual({ asOf: null, source: 'down', ageMs: null, lists: [] });
    await env.fx.market.scan({ winners: [scanRow('WIN', 1)] });
    await expect.poll(async () => (await fetch(`${base}/api/lists/winners`)).status).toBe(200);
    await expect
      .poll(async () => ((await (await fetch(`${base}/health`)).json()) as Health).source)
      .toBe('live');
    const body = (await (await fetch(`${base}/api/lists`)).json()) as {
      asOf: string;
      ageMs: number;
      lists: unknown[];
    };
    expect(body.asOf).toBe(TS);
    // Received a moment ago, whatever the market instant `ts` says (TS is another day).
    expect(body).toMatchObject({ source: 'live' });
    expect(body.ageMs).toBeGreaterThanOrEqual(0);
    expect(body.ageMs).toBeLessThan(Math.abs(Date.now() - Date.parse(TS)));
    expect(body.lists).toHaveLength(11);
    const health = (await (await fetch(`${base}/health`)).json()) as Health;
    expect(health.asOf).toBe(TS);
    expect(health.ageMs).toBeGreaterThanOrEqual(0);
  });

  it('shows the first-start bootstrap on /health and /metrics, idle until the jobs process writes one', async () => {
    const base = await start();
    const idle = (await (await fetch(`${base}/health`)).json()) as { bootstrap: { state: string } };
    expect(idle.bootstrap.state).toBe('idle');
    // No series (only HELP and TYPE) until there is a status.
    expect(await (await fetch(`${base}/metrics`)).text()).not.toMatch(/^scanner_bootstrap_\w+\{/m);

    const status = {
      state: 'running' as const,
      phase: 'history' as const,
      step: 'backfill',
      reason: 'no ticker metadata stored',
      done: 3412,
      total: 12_000,
      errors: 2,
      ratePerSec: 45,
      etaSec: 190,
      requests: 15_000,
      startedAt: TS,
      updatedAt: TS,
      finishedAt: null,
      lastError: null,
    };
    await writeBootstrapStatus(env.fx.env.redis, env.fx.env.keys, status);
    // The gateway re-reads the status every 2 s, in the background.
    await expect
      .poll(
        async () => ((await (await fetch(`${base}/health`)).json()) as { bootstrap: unknown }).bootstrap,
        {
          timeout: 5000,
        },
      )
      .toEqual(status);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^scanner_bootstrap_state\{state="running"\} 1$/m);
    expect(text).toMatch(/^scanner_bootstrap_state\{state="done"\} 0$/m);
    expect(text).toMatch(/^scanner_bootstrap_done\{phase="history"\} 3412$/m);
    expect(text).toMatch(/^scanner_bootstrap_total\{phase="history"\} 12000$/m);
    expect(text).toMatch(/^scanner_bootstrap_eta_seconds\{phase="history"\} 190$/m);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const base = await start();
    const res = await fetch(`${base}/api/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });
});
