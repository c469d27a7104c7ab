import { request } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { onCleanup } from '../test/utils/cleanup.js';
import { GatewayFixture, rows } from '../test/utils/gateway-fixture.js';
import { waitFor } from '../test/utils/wait.js';
import type { Gateway } from './server.js';

/*
 * The gateway against browsers on hostile pages (DNS rebinding: Host and Origin) and against one address opening
 * connections in bulk (per-address cap and upgrade rate), through real uWS sockets and real `ws` clients.
 */

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A raw HTTP request (fetch will not send an arbitrary Host header). */
function http(port: number, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a WebSocket: resolves with the open socket or the HTTP status and body of the refusal. */
function upgrade(port: number, headers: Record<string, string> = {}): Promise<WebSocket | Answer> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
  onCleanup(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    ws.once('error', reject);
  });
}

const status = (r: WebSocket | Answer): number => (r instanceof WebSocket ? 101 : r.status);

async function metric(port: number, line: string): Promise<number> {
  const text = (await http(port, 'GET', '/metrics', {})).body;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe('the gateway against hostile pages and bulk connections', () => {
  let fx: GatewayFixture;
  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    await fx.market.scan({ winners: rows(['WIN']) });
  });

  const filter = JSON.stringify({ name: 'x', parameters: { minPrice: 1 } });
  const json = { 'content-type': 'application/json' };

  it('refuses a rebinding page (unknown Host) on upgrades and REST with a JSON error, and counts it', async () => {
    const g: Gateway = await fx.start();
    const evil = { host: `evil.example:${g.port}`, origin: `http://evil.example:${g.port}` };
    const ws = await upgrade(g.port, evil);
    expect(ws).toMatchObject({ status: 421 });
    expect(JSON.parse((ws as Answer).body)).toMatchObject({ type: 'error', code: 'unknown_host' });
    // `127.evil.example` is a name an attacker can register, not a loopback address.
    expect(status(await upgrade(g.port, { host: `127.evil.example:${g.port}` }))).toBe(421);

    const post = await http(g.port, 'POST', '/api/filters', { ...json, ...evil }, filter);
    expect(post.status).toBe(421);
    expect(JSON.parse(post.body)).toMatchObject({ error: 'unknown_host' });
    expect((await http(g.port, 'GET', '/api/lists', { host: 'evil.example' })).status).toBe(421);

    // Loopback names, with or without a port, and a client that sends no Origin (not a browser) pass.
    for (const host of [`localhost:${g.port}`, `127.0.0.1:${g.port}`, '[::1]', 'LOCALHOST'])
      expect(status(await upgrade(g.port, { host }))).toBe(101);
    expect((await http(g.port, 'GET', '/api/lists', { host: 'localhost' })).status).toBe(200);
    // /health answers probes by any name.
    expect((await http(g.port, 'GET', '/health', { host: 'lb.internal' })).status).toBe(200);

    expect(await metric(g.port, 'scanner_gateway_refused_upgrades_total{reason="host"}')).toBe(2);
    expect(await metric(g.port, 'scanner_gateway_refused_requests_total{reason="host"}')).toBe(2);
  });

  it('accepts configured Host names, and only the gateway’s own pages or GATEWAY_ORIGINS on upgrades and writes', async () => {
    const g = await fx.start({ hosts: ['scanner.example'], origins: ['https://app.example'] });
    const host = `scanner.example:${g.port}`;
    expect(status(await upgrade(g.port, { host }))).toBe(101);
    expect(status(await upgrade(g.port, { host, origin: `http://${host}` }))).toBe(101);
    expect(status(await upgrade(g.port, { host, origin: 'https://app.example' }))).toBe(101);
    const foreign = await upgrade(g.port, { host, origin: 'https://other.example' });
    expect(foreign).toMatchObject({ status: 403 });
    expect(JSON.parse((foreign as Answer).body)).toMatchObject({ code: 'forbidden_origin' });

    const write = (origin: string) =>
      http(g.port, 'POST', '/api/filters', { ...json, host, origin }, '{"not":"a filter"}');
    expect((await write('https://other.example')).status).toBe(403);
    expect(JSON.parse((await write('null')).body)).toMatchObject({ error: 'forbidden_origin' });
    // Allowed origins reach the route (which then judges the body: 400, not 403).
    expect((await write('https://app.example')).status).toBe(400);
    expect((await write(`http://${host}`)).status).toBe(400);
    // A read is not a write: any Origin may read what the Host rule lets through.
    expect((await http(g.port, 'GET', '/api/lists', { host, origin: 'https://other.example' })).status).toBe(
      200,
    );
    expect(await metric(g.port, 'scanner_gateway_refused_upgrades_total{reason="origin"}')).toBe(1);
    expect(await metric(g.port, 'scanner_gateway_refused_requests_total{reason="origin"}')).toBe(2);
  });

  it('caps connections per address and admits again once one closes; refusals are counted', async () => {
    const g = await fx.start({ maxConnectionsPerIp: 3, maxUpgradesPerSecond: 1000 });
    const open = await Promise.all([1, 2, 3].map(() => upgrade(g.port)));
    expect(open.map(status)).toEqual([101, 101, 101]);
    const refused = await upgrade(g.port);
    expect(refused).toMatchObject({ status: 429 });
    expect(JSON.parse((refused as Answer).body)).toMatchObject({ code: 'too_many_connections' });
    expect(await metric(g.port, 'scanner_gateway_refused_upgrades_total{reason="connections_per_ip"}')).toBe(
      1,
    );

    (open[0] as WebSocket).close();
    await waitFor(async () => status(await upgrade(g.port)) === 101, { what: 'a slot freed by a close' });
  });

  it('refuses upgrades past the per-address rate, and the admitted clients keep working', async () => {
    const g = await fx.start({ maxConnectionsPerIp: 1000, maxUpgradesPerSecond: 5 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => upgrade(g.port)));
    const statuses = answers.map(status);
    expect(statuses.filter((s) => s === 101)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(await metric(g.port, 'scanner_gateway_refused_upgrades_total{reason="upgrade_rate"}')).toBe(7);

    const ws = answers.find((a): a is WebSocket => a instanceof WebSocket)!;
    const pong = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send(JSON.stringify({ op: 'ping', id: 1 }));
    expect(JSON.parse(await pong)).toEqual({ type: 'pong', id: 1 });
  });
});
