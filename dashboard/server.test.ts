import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { keys, QUEUES, type Keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { closedPort } from '../test/utils/net.js';
import { freshRedis } from '../test/utils/redis.js';
import { DashboardListenError, startDashboardServer, type Dashboard } from './server.js';

const USER = 'ops';
const PASSWORD = 'correct horse battery staple';
const logger = createLogger('test', 'silent');

async function start(
  connection: Redis,
  keys: Keys,
  password = PASSWORD,
): Promise<{ dashboard: Dashboard; url: string }> {
  const dashboard = await startDashboardServer({
    host: '127.0.0.1',
    port: 0,
    user: USER,
    password,
    connection,
    keys,
    logger,
  });
  onCleanup(() => dashboard.close());
  return { dashboard, url: `http://127.0.0.1:${dashboard.port}` };
}

function withRedis() {
  const r = freshRedis();
  onCleanup(r.cleanup);
  return r;
}

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

interface QueuesResponse {
  queues: {
    name: string;
    counts: Record<string, number>;
    readOnlyMode: boolean;
    jobs: { id: string; name: string; data: unknown }[];
  }[];
}

describe('job dashboard (bull-board behind basic auth, real Redis)', () => {
  it('asks for credentials with a basic-auth challenge when none are given', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys);
    for (const path of ['/', '/api/queues', '/static/images/logo.svg']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate'), path).toMatch(/^Basic realm="scanner jobs"/);
    }
  });

  it('refuses a wrong password, a wrong user and a malformed header', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys);
    for (const headers of [
      basic(USER, 'wrong'),
      basic('root', PASSWORD),
      basic(USER, ''),
      { authorization: 'Basic !!!' },
      { authorization: `Bearer ${PASSWORD}` },
    ]) {
      const res = await fetch(`${url}/`, { headers });
      expect(res.status, headers.authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="scanner jobs"/);
    }
  });

  it('serves the bull-board page with the right credentials', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys);
    const res = await fetch(`${url}/`, { headers: basic(USER, PASSWORD) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('Scanner jobs');
    // The page loads its script from the board's own static route, which must be reachable too.
    const script = /src="([^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, `${url}/`), { headers: basic(USER, PASSWORD) });
    expect(asset.status).toBe(200);
  });

  it('lists every product queue and shows a job added under the product prefix', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys);
    // A producer the way the orchestrator creates one: same queue name, same BullMQ prefix.
    const producer = new Queue(QUEUES.persistence, { connection: r.redis, prefix: r.keys.bullPrefix });
    onCleanup(() => producer.close());
    const job = await producer.add('scan', { kind: 'scan', rows: [] });

    const res = await fetch(`${url}/api/queues?activeQueue=${QUEUES.persistence}&status=latest`, {
      headers: basic(USER, PASSWORD),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as QueuesResponse;
    expect(body.queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUES).sort());
    const persist = body.queues.find((q) => q.name === QUEUES.persistence)!;
    expect(persist.counts.waiting).toBe(1);
    expect(persist.readOnlyMode).toBe(false);
    expect(persist.jobs).toEqual([
      expect.objectContaining({ id: job.id, name: 'scan', data: { kind: 'scan', rows: [] } }),
    ]);
    for (const other of body.queues.filter((q) => q.name !== QUEUES.persistence)) {
      expect(
        Object.values(other.counts).every((n) => n === 0),
        other.name,
      ).toBe(true);
    }
  });

  it('retries a failed job from the board (it is not read-only)', async () => {
    const r = withRedis();
    const { url, dashboard } = await start(r.redis, r.keys);
    const producer = new Queue(QUEUES.metadata, { connection: r.redis, prefix: r.keys.bullPrefix });
    onCleanup(() => producer.close());
    const job = await producer.add('refresh', {});
    // A worker that fails its one attempt, as a metadata refresh does when the vendor is down.
    const workerConnection = r.redis.duplicate({ maxRetriesPerRequest: null });
    onCleanup(() => workerConnection.disconnect());
    const worker = new Worker(QUEUES.metadata, () => Promise.reject(new Error('vendor down')), {
      connection: workerConnection,
      prefix: r.keys.bullPrefix,
    });
    await once(worker, 'failed');
    await worker.close();
    expect(await producer.getJobState(job.id!)).toBe('failed');

    const res = await fetch(`${url}/api/queues/${QUEUES.metadata}/${job.id}/retry`, {
      method: 'PUT',
      // What the board's own page sends: its origin is the server's.
      headers: { ...basic(USER, PASSWORD), origin: `http://127.0.0.1:${dashboard.port}` },
    });
    expect(res.status).toBe(204);
    expect(await producer.getJobState(job.id!)).toBe('waiting');
  });

  it('answers /health without credentials', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys);
    await r.redis.ping();
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', redis: 'up' });
  });

  it('serves the board without credentials when no password is configured', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys, '');
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('www-authenticate')).toBeNull();
    const api = await fetch(`${url}/api/queues`);
    expect(api.status).toBe(200);
    expect(((await api.json()) as QueuesResponse).queues).toHaveLength(Object.keys(QUEUES).length);
  });

  it('refuses a rebound host name when no password is configured', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys, '');
    // fetch will not override Host; a raw request can, as a browser under DNS rebinding would send it.
    const { request } = await import('node:http');
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request(`${url}/api/queues`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await status('evil.example:8081')).toBe(403);
    // A name an attacker can register that merely starts like a loopback address.
    expect(await status('127.evil.example:8081')).toBe(403);
    expect(await status('127.0.0.2:8081')).toBe(200);
    expect(await status('localhost')).toBe(200);
  });

  it('refuses a cross-origin write even with valid credentials', async () => {
    const r = withRedis();
    const { url } = await start(r.redis, r.keys);
    const res = await fetch(`${url}/api/queues/${QUEUES.persistence}/clean/failed`, {
      method: 'PUT',
      headers: { ...basic(USER, PASSWORD), origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    // The same write from a non-browser client (no Origin), e.g. curl in a runbook, goes through.
    const plain = await fetch(`${url}/api/queues/${QUEUES.persistence}/clean/failed`, {
      method: 'PUT',
      headers: basic(USER, PASSWORD),
    });
    expect(plain.status).toBe(200);
  });

  it('reports a dead Redis as 503 on /health and keeps serving', async () => {
    const dead = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 100,
    });
    dead.on('error', () => {}); // the refused connection is the point of this test
    onCleanup(() => dead.disconnect());
    const { url } = await start(dead, keys(`test-${randomUUID()}`));

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'degraded', redis: 'down' });
    // The API fails fast instead of waiting for Redis; the page itself still loads.
    const api = await fetch(`${url}/api/queues`, { headers: basic(USER, PASSWORD) });
    expect(api.status).toBe(503);
    const page = await fetch(`${url}/`, { headers: basic(USER, PASSWORD) });
    expect(page.status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(503);
  });

  it('fails with DashboardListenError when the port is taken', async () => {
    const r = withRedis();
    const { dashboard } = await start(r.redis, r.keys);
    await expect(
      startDashboardServer({
        host: '127.0.0.1',
        port: dashboard.port,
        user: USER,
        password: PASSWORD,
        connection: r.redis,
        keys: r.keys,
        logger,
      }),
    ).rejects.toBeInstanceOf(DashboardListenError);
  });
});
