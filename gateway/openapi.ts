import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIST_NAMES } from '../shared/scan/lists.js';
import { componentSchemas, ref } from './openapi-schemas.js';
import { CRUD_PATHS } from './openapi-crud-paths.js';
import { DATABASE, GUARDED, NO_TOKEN, pathParam, reply, type PathItem } from './openapi-parts.js';
import { ALERTS_QUERY_PARAMETERS } from './alerts-api.js';

/**
 * The OpenAPI 3.1 description of the gateway's HTTP side, served at `GET /api/openapi.json`. Bodies are
 * generated from the product's zod schemas (openapi-schemas.ts); the operations below are the one hand-written
 * part, and openapi.test.ts fails when the gateway registers a route this document does not describe.
 *
 * It is served without a token: it describes the API, which is published with the source, and holds no data;
 * tools (API explorers, client generators) fetch it before a token is configured. The Host check stays, as on
 * every route but /health: one rule for all of `/api/`, and a DNS-rebinding page learns nothing either way.
 */

const PATHS: Record<string, PathItem> = {
  '/health': {
    get: {
      operationId: 'getHealth',
      tags: ['operations'],
      summary: 'Health and freshness of what is served',
      description:
        'No token and any Host name: load balancers and process managers carry none and probe by address. ' +
        'Non-200 when the data is stale, the orchestrator is down, or a backing service is unreachable.',
      ...NO_TOKEN,
      responses: {
        '200': reply('healthy', ref('Health')),
        '503': reply('degraded: stale or missing data, or Redis/PostgreSQL down', ref('Health')),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics of the gateway and the orchestrator',
      responses: {
        '200': {
          description: 'Prometheus text exposition format',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        ...GUARDED,
      },
    },
  },
  '/api/openapi.json': {
    get: {
      operationId: 'getOpenApi',
      tags: ['operations'],
      summary: 'This document',
      description: 'No token (it describes the API and holds no data); the Host name is checked.',
      ...NO_TOKEN,
      responses: {
        '200': reply('an OpenAPI 3.1 document', { type: 'object' }),
        '421': GUARDED['421'],
      },
    },
  },
  '/api/protocol/deflate-dictionary.v1': {
    get: {
      operationId: 'getDeflateDictionaryV1',
      tags: ['lists'],
      summary: 'The preset dictionary of the `scanner.deflate.v1` WebSocket encoding',
      description:
        'The bytes a client of `scanner.deflate.v1` gives zlib as the raw inflate dictionary (3,413 bytes of ' +
        'ASCII, SHA-256 8c125510…aebc54; docs/gateway.md "Encodings"). Fixed for v1: a new dictionary comes ' +
        'with a new subprotocol. No token (part of the protocol, no data); the Host name is checked.',
      ...NO_TOKEN,
      responses: {
        '200': {
          description: 'the dictionary',
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        '421': GUARDED['421'],
      },
    },
  },
  '/api/lists': {
    get: {
      operationId: 'getLists',
      tags: ['lists'],
      summary: 'Every list’s current snapshot',
      description:
        'The messages a WebSocket client receives on subscribing (docs/spec.md §8), with how old the newest ' +
        'is: while the market is closed nothing is published and the last lists stay served.',
      responses: { '200': reply('the snapshots', ref('ListsResponse')), ...GUARDED },
    },
  },
  '/api/lists/{name}': {
    get: {
      operationId: 'getList',
      tags: ['lists'],
      summary: 'One list’s current snapshot',
      parameters: [pathParam('name', 'a list name', ref('ListName'))],
      responses: {
        '200': reply('the snapshot message', ref('SnapshotMessage')),
        '404': reply('`unknown_list`, or `not_published` (no scan has published it yet)'),
        ...GUARDED,
      },
    },
  },
  ...CRUD_PATHS,
  '/api/tickers': {
    get: {
      operationId: 'searchTickers',
      tags: ['tickers'],
      summary: 'Symbols starting with `q`, then companies whose name contains it',
      parameters: [
        { name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 64 } },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
      ],
      responses: {
        '200': reply('the matches', ref('TickerSearchResponse')),
        '400': reply('`bad_request`: q or limit out of range'),
        ...GUARDED,
        ...DATABASE,
      },
    },
  },
  '/api/tickers/{symbol}': {
    get: {
      operationId: 'getTicker',
      tags: ['tickers'],
      summary: 'What the scanner knows about one symbol',
      description:
        '`row` and `lists` come from the gateway’s in-memory snapshots; `metadata` and `lastScan` from ' +
        'PostgreSQL.',
      parameters: [pathParam('symbol', 'a ticker symbol (case-insensitive)')],
      responses: {
        '200': reply('the ticker', ref('TickerResponse')),
        '400': reply('`bad_request`: not a ticker symbol'),
        '404': reply('`not_found`: the scanner knows nothing about it'),
        ...GUARDED,
        ...DATABASE,
      },
    },
  },
  '/api/tickers/{symbol}/intraday': {
    get: {
      operationId: 'getTickerIntraday',
      tags: ['tickers'],
      summary: 'One symbol’s prices over its latest trading day, one point per minute',
      description:
        'From the persisted scan rows (`scan_results`): the last scan of each minute that ranked the symbol, ' +
        'over the New York date of its latest one. No points (and `date` null) when it was never persisted.',
      parameters: [pathParam('symbol', 'a ticker symbol (case-insensitive)')],
      responses: {
        '200': reply('the points, oldest first', ref('IntradayResponse')),
        '400': reply('`bad_request`: not a ticker symbol'),
        ...GUARDED,
        ...DATABASE,
      },
    },
  },
  '/api/alerts': {
    get: {
      operationId: 'listAlerts',
      tags: ['alerts'],
      summary: 'The newest alerts (SPEC §14), from the alerts table',
      description:
        'The newest `limit` alerts after `since`, of `symbol`, of `kind` (each optional), in publication order. ' +
        'Written through the jobs queue: the newest appear a moment after the live stream carried them.',
      parameters: ALERTS_QUERY_PARAMETERS,
      responses: {
        '200': reply('the alerts', ref('AlertsResponse')),
        '400': reply('`bad_request`: a parameter is invalid or unknown (the message names it)'),
        ...GUARDED,
        ...DATABASE,
      },
    },
  },
  '/ws': {
    get: {
      operationId: 'openWebSocket',
      tags: ['lists'],
      summary: 'The WebSocket protocol: list snapshots and deltas, heartbeats',
      description:
        'An HTTP upgrade. JSON text frames both ways, described in docs/spec.md §8: `subscribe`, ' +
        '`unsubscribe`, `resync`, `ping` from the client; `snapshot`, `delta`, `heartbeat`, `pong`, `error` ' +
        `from the server. Lists: ${LIST_NAMES.join(', ')}. A browser passes its token as \`?token=\`. ` +
        'A refusal is answered before the upgrade, with `{"type":"error","code":…}`. ' +
        'With `Sec-WebSocket-Protocol: scanner.deflate.v1` the list messages (snapshot, delta) come as binary ' +
        'frames: the raw DEFLATE of their JSON text with the preset dictionary of ' +
        '`/api/protocol/deflate-dictionary.v1`; everything else stays JSON text (docs/gateway.md "Encodings").',
      parameters: [
        { name: 'token', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'Upgrade', in: 'header', required: true, schema: { type: 'string', const: 'websocket' } },
        {
          name: 'Sec-WebSocket-Protocol',
          in: 'header',
          required: false,
          description:
            'The encoding: none or `scanner.json.v1` (JSON text frames, the default) or `scanner.deflate.v1`; ' +
            "the first of the client's offers the gateway speaks is chosen and echoed.",
          schema: { type: 'string' },
        },
      ],
      responses: {
        '101': { description: 'switched to the WebSocket protocol' },
        '400': { description: '`unsupported_protocol`: subprotocols offered, none of them spoken here' },
        '401': { description: '`unauthorized`: missing or wrong token' },
        '403': { description: '`forbidden_origin`: an Origin that is neither this host nor allowed' },
        '421': { description: '`unknown_host`: a Host name the gateway does not answer to' },
        '429': { description: '`too_many_connections`: per-address connection or upgrade-rate cap' },
      },
    },
  },
  '/': {
    get: {
      operationId: 'getPage',
      tags: ['web page'],
      summary: 'The live web page (no token: it holds no data and passes its own `?token=` to /ws)',
      ...NO_TOKEN,
      responses: {
        '200': { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } },
        '304': { description: 'not modified (ETag)' },
      },
    },
  },
  '/app.js': {
    get: {
      operationId: 'getPageScript',
      tags: ['web page'],
      summary: 'The web page’s script',
      ...NO_TOKEN,
      responses: {
        '200': { description: 'the script', content: { 'text/javascript': { schema: { type: 'string' } } } },
        '304': { description: 'not modified (ETag)' },
      },
    },
  },
};

let cached: string | undefined;

/** The document as JSON text, built once per process (it depends on nothing that changes). */
export function openApiJson(): string {
  return (cached ??= JSON.stringify(openApiDocument()));
}

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Open Scanner gateway',
      version: packageVersion(),
      summary: 'Real-time US-equities scanner: lists, filters, scans, tickers, health and metrics',
      description:
        'Errors are JSON `{"error": code, "message": …}`. With GATEWAY_TOKENS set, every route but /health, ' +
        'the web page and this document needs a token, as `Authorization: Bearer <token>` or `?token=`; ' +
        'without tokens none does (the gateway then binds a loopback address only). Every route but /health ' +
        'answers only to configured Host names (421 otherwise). The semantics of every field are in the ' +
        'repository’s docs/spec.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    security: [{ bearerToken: [] }, { queryToken: [] }],
    tags: ['lists', 'alerts', 'filters', 'scans', 'tickers', 'operations', 'web page'].map((name) => ({
      name,
    })),
    paths: PATHS,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'one of GATEWAY_TOKENS' },
        queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'one of GATEWAY_TOKENS' },
      },
      responses: {
        Unauthorized: reply('`unauthorized`: missing or wrong token (only when the gateway has tokens)'),
        UnknownHost: reply('`unknown_host`: a Host name this gateway does not answer to'),
        ForbiddenOrigin: reply('`forbidden_origin`: a browser Origin that is neither this host nor allowed'),
        DatabaseUnavailable: reply('`database_unavailable`: PostgreSQL is unreachable; retry later'),
      },
    },
  };
}

/**
 * The package's version, from the nearest package.json above this module: it runs from `gateway/` under tsx
 * and from `dist/gateway/` when compiled, so the relative path differs.
 */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
      return typeof version === 'string' ? version : '0.0.0';
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
