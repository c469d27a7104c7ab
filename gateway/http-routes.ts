import type { Redis } from 'ioredis';
import { bootstrapHealth, type BootstrapStatusRead } from '../shared/bus/bootstrap-status.js';
import type { Queryable } from '../shared/db/database.js';
import type { Logger } from '../shared/logger.js';
import { listNameSchema } from '../shared/protocol/messages.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import type { TokenCheck } from './auth.js';
import { FILTER_BODY_LIMIT, filtersApi } from './filters-api.js';
import { HttpError, route, type Handler, type RouteOptions } from './http.js';
import type { ListFeed } from './list-feed.js';
import type { FreshnessWatch } from './freshness.js';
import { healthReply, type DatabaseProbe } from './health.js';
import { openApiJson } from './openapi.js';
import { deflateDictionaryV1Text } from '../shared/protocol/deflate-dictionary.js';
import type { RequestGuard } from './request-guard.js';
import type { GatewayMetrics } from './metrics.js';
import { tickersApi } from './tickers-api.js';
import type { ClientScans } from './client-scans.js';
import type { SavedScans } from './saved-scans.js';
import { SCAN_BODY_LIMIT, scansApi } from './scans-api.js';
import { intradayApi } from './intraday-api.js';
import { alertsApi } from './alerts-api.js';
import type { TemplatedApp } from './uws.js';

export interface HttpRoutesOptions {
  readonly feed: ListFeed;
  readonly redis: Redis;
  readonly db: Queryable;
  readonly auth: TokenCheck;
  /** Host and Origin rules for every route but /health. */
  readonly guard: RequestGuard;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Open WebSocket connections, for /health. */
  readonly clients: () => number;
  /** The first-start bootstrap's progress, for /health (and the web page's banner, which reads /health). */
  readonly bootstrap: () => BootstrapStatusRead;
  /** The orchestrator's status as last read: `source`, `ageMs`, `session`. */
  readonly freshness: FreshnessWatch;
  /** PostgreSQL up or down, for /health (a cached ping). */
  readonly postgres: DatabaseProbe;
  /** Saved scans (/api/scans) and the connections' scans (counted against SCANS_PER_TOKEN). */
  readonly saved: SavedScans;
  readonly scans: ClientScans;
  readonly scansPerToken: number;
}

/**
 * The HTTP side of the gateway (SPEC §11):
 * - `/health` (no token, any Host name: load balancers and pm2 probes carry none and use addresses);
 * - `/metrics` and everything under `/api/` (token required when GATEWAY_TOKENS is set; Host and, on writes,
 *   Origin checked by the RequestGuard):
 *   `/api/lists[/:name]` from the in-memory snapshots (the stored JSON spliced in, not re-serialised),
 *   `/api/filters` CRUD, `/api/scans` CRUD (a token's saved scans) and `/api/tickers` lookups against PostgreSQL;
 * - `/api/openapi.json`, the OpenAPI description of all of them, and `/api/protocol/deflate-dictionary.v1`, the
 *   preset dictionary of the `scanner.deflate.v1` encoding (Host checked, no token: see openapi.ts).
 */
export function registerHttpRoutes(app: TemplatedApp, o: HttpRoutesOptions): void {
  const { feed, auth, metrics, logger } = o;
  const onReply = (status: number) => metrics.httpRequests.inc({ status: String(status) });
  const open: RouteOptions = { logger, onReply };
  const guarded = (extra: Partial<RouteOptions> = {}): RouteOptions => ({
    ...open,
    auth,
    guard: o.guard,
    onRefused: (reason) => metrics.refusedRequests.inc({ reason }),
    onReply: (status) => {
      if (status === 401) metrics.unauthorized.inc({ via: 'http' });
      onReply(status);
    },
    ...extra,
  });

  app.get(
    '/health',
    route(
      () =>
        healthReply({
          freshness: o.freshness.current(),
          redisUp: o.redis.status === 'ready' && feed.healthy,
          postgresUp: o.postgres.isUp(),
          asOf: feed.asOf() ?? null,
          lists: feed.seqs(),
          clients: o.clients(),
          bootstrap: bootstrapHealth(o.bootstrap()),
        }),
      open,
    ),
  );
  app.get(
    '/metrics',
    route(
      async () => ({ status: 200, body: await metrics.render(), contentType: metrics.contentType }),
      guarded(),
    ),
  );

  app.get(
    '/api/lists',
    route(() => {
      const held = LIST_NAMES.flatMap((l) => feed.snapshot(l)?.json ?? []);
      const { source, ageMs } = o.freshness.current();
      const head = { asOf: feed.asOf() ?? null, source, ageMs };
      return { status: 200, body: `${JSON.stringify(head).slice(0, -1)},"lists":[${held.join(',')}]}` };
    }, guarded()),
  );
  app.get(
    '/api/lists/:name',
    route(
      (req) => {
        const name = listNameSchema.safeParse(req.params[0]);
        if (!name.success)
          throw new HttpError(404, 'unknown_list', `no list named ${JSON.stringify(req.params[0])}`);
        const snap = feed.snapshot(name.data);
        if (!snap) throw new HttpError(404, 'not_published', `${name.data} has not been published yet`);
        return { status: 200, body: snap.json };
      },
      guarded({ params: 1 }),
    ),
  );

  const filters = filtersApi(o.db);
  app.get('/api/filters', route(filters.list, guarded()));
  app.post('/api/filters', route(filters.create, guarded({ maxBodyBytes: FILTER_BODY_LIMIT })));
  app.get('/api/filters/:id', route(filters.get, guarded({ params: 1 })));
  app.put(
    '/api/filters/:id',
    route(filters.replace, guarded({ params: 1, maxBodyBytes: FILTER_BODY_LIMIT })),
  );
  app.del('/api/filters/:id', route(filters.remove, guarded({ params: 1 })));

  const scans = scansApi(o.db, o.saved, o.scans, o.scansPerToken);
  app.get('/api/scans', route(scans.list, guarded()));
  app.post('/api/scans', route(scans.create, guarded({ maxBodyBytes: SCAN_BODY_LIMIT })));
  app.get('/api/scans/:id', route(scans.get, guarded({ params: 1 })));
  app.put('/api/scans/:id', route(scans.replace, guarded({ params: 1, maxBodyBytes: SCAN_BODY_LIMIT })));
  app.del('/api/scans/:id', route(scans.remove, guarded({ params: 1 })));

  const tickers = tickersApi(o.db, feed);
  app.get('/api/tickers', route(tickers.search, guarded()));
  app.get('/api/tickers/:symbol', route(tickers.get, guarded({ params: 1 })));
  app.get('/api/tickers/:symbol/intraday', route(intradayApi(o.db), guarded({ params: 1 })));
  app.get('/api/alerts', route(alertsApi(o.db).list, guarded()));

  app.get(
    '/api/openapi.json',
    route(() => ({ status: 200, body: openApiJson() }), guarded({ auth: undefined })),
  );
  // The scanner.deflate.v1 preset dictionary (docs/gateway.md "Encodings"): part of the protocol, no data, so
  // like the OpenAPI document it needs no token. ASCII, so the string's UTF-8 is exactly the dictionary's bytes.
  app.get(
    '/api/protocol/deflate-dictionary.v1',
    route(
      () => ({ status: 200, body: deflateDictionaryV1Text(), contentType: 'application/octet-stream' }),
      guarded({ auth: undefined }),
    ),
  );

  const notFound: Handler = (req) => {
    throw new HttpError(404, 'not_found', `no route ${req.method.toUpperCase()} ${req.url}`);
  };
  app.any('/*', route(notFound, open));
}
