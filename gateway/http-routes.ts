import type { Redis } from 'ioredis';
import { listNameSchema } from '../shared/protocol/messages.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { ListFeed } from './list-feed.js';
import type { HttpResponse, TemplatedApp } from './uws.js';

/** What /health reports about the WebSocket side. */
export interface HealthSource {
  readonly clients: () => number;
}

/**
 * The read-only HTTP side of the gateway (SPEC §8/§11): `/health`, `/api/lists` and `/api/lists/:name`, all
 * answered from the in-memory snapshots (no Redis round trip per request). Snapshot JSON is spliced in as
 * stored, not re-serialised.
 */
export function registerHttpRoutes(app: TemplatedApp, feed: ListFeed, redis: Redis, ws: HealthSource): void {
  app.get('/health', (res) => {
    const up = redis.status === 'ready' && feed.healthy;
    const body = {
      status: up ? 'ok' : 'degraded',
      redis: up ? 'up' : 'down',
      lists: feed.seqs(),
      clients: ws.clients(),
    };
    json(res, up ? '200 OK' : '503 Service Unavailable', JSON.stringify(body));
  });
  app.get('/api/lists', (res) => {
    const held = LIST_NAMES.flatMap((l) => feed.snapshot(l)?.json ?? []);
    json(res, '200 OK', `{"lists":[${held.join(',')}]}`);
  });
  app.get('/api/lists/:name', (res, req) => {
    const name = listNameSchema.safeParse(req.getParameter(0));
    if (!name.success) return json(res, '404 Not Found', '{"error":"unknown_list"}');
    const snap = feed.snapshot(name.data);
    if (!snap) return json(res, '404 Not Found', '{"error":"not_published"}');
    json(res, '200 OK', snap.json);
  });
  app.any('/*', (res) => json(res, '404 Not Found', '{"error":"not_found"}'));
}

function json(res: HttpResponse, status: string, body: string): void {
  res.cork(() => {
    res
      .writeStatus(status)
      .writeHeader('content-type', 'application/json')
      .writeHeader('cache-control', 'no-store')
      .end(body);
  });
}
