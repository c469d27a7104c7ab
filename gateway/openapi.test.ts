import { request } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import { scanRowSchema } from '../shared/protocol/messages.js';
import { filterParametersSchema } from '../shared/scan/filters-schema.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { GatewayFixture } from '../test/utils/gateway-fixture.js';
import type { Gateway } from './server.js';

const TOKEN = 'secret-token';

type Json = Record<string, unknown>;
interface Document extends Json {
  readonly paths: Record<string, Record<string, Json>>;
  readonly components: { readonly schemas: Record<string, Json> } & Json;
}

/** The HTTP methods an OpenAPI path item may hold, by uWS's registration method. */
const OPENAPI_METHOD: Record<string, string> = {
  get: 'get',
  post: 'post',
  put: 'put',
  del: 'delete',
  patch: 'patch',
  options: 'options',
  head: 'head',
  trace: 'trace',
  ws: 'get', // a WebSocket route is a GET upgrade
};
const OPERATION_KEYS = new Set(Object.values(OPENAPI_METHOD));

/** `/api/lists/:name` → `/api/lists/{name}`. */
const openApiPath = (pattern: string) => pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** A raw GET (fetch will not send an arbitrary Host header). */
function getWithHost(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every value under `node` with its JSON pointer, depth first. */
function* walk(node: unknown, pointer = '#'): Generator<[string, unknown]> {
  yield [pointer, node];
  if (typeof node !== 'object' || node === null) return;
  for (const [k, v] of Object.entries(node)) {
    yield* walk(v, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  }
}

/** The value a local `$ref` (`#/a/b~1c`) points at, or undefined. */
function resolve(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

describe('the OpenAPI document at /api/openapi.json', () => {
  let fx: GatewayFixture;
  let gateway: Gateway;
  let doc: Document;

  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    // With tokens: the document must still be served without one.
    gateway = await fx.start({ tokens: [TOKEN] });
    const res = await fetch(`http://127.0.0.1:${gateway.port}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    doc = (await res.json()) as Document;
  });

  it('documents every route the gateway registers, and no route it does not', () => {
    const registered = gateway.routes
      .filter((r) => !r.pattern.includes('*')) // the catch-all 404
      .map((r) => `${OPENAPI_METHOD[r.method] ?? r.method} ${openApiPath(r.pattern)}`);
    // The recorder saw the routes of every module that registers some (server, http-routes, web page).
    expect(registered).toEqual(
      expect.arrayContaining(['get /ws', 'get /health', 'delete /api/filters/{id}', 'get /app.js']),
    );
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => OPERATION_KEYS.has(k))
        .map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
  });

  it('is a structurally valid OpenAPI 3.1 document in which every $ref resolves', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(info.version).toMatch(/^\d+\.\d+/);
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(10);

    const refs = [...walk(doc)].flatMap(([pointer, node]) =>
      pointer.endsWith('/$ref') && typeof node === 'string' ? [node] : [],
    );
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.filter((r) => resolve(doc, r) === undefined)).toEqual([]);
    // JSON Schema dialect keywords belong to the document, not to its component schemas.
    expect([...walk(doc)].filter(([p]) => /\/(\$schema|\$id)$/.test(p))).toEqual([]);

    const schemes = Object.keys(doc.components.securitySchemes ?? {});
    const operationIds: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        const where = `${method} ${path}`;
        expect(Object.keys(op.responses as Json), where).not.toHaveLength(0);
        for (const [status, r] of Object.entries(op.responses as Json)) {
          expect(status, where).toMatch(/^[1-5]\d\d$/);
          const response = (resolve(doc, ((r as Json).$ref as string) ?? '') ?? r) as Json;
          expect(response.description, `${where} ${status}`).toEqual(expect.any(String));
        }
        const params = (op.parameters ?? []) as Json[];
        const inPath = params.filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort(), where).toEqual([...templated].sort());
        expect(
          inPath.every((p) => p.required === true),
          where,
        ).toBe(true);
        for (const s of (op.security ?? []) as Json[])
          expect(schemes, where).toEqual(expect.arrayContaining(Object.keys(s)));
        operationIds.push(op.operationId as string);
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('describes the bodies with the product’s own zod schemas, field for field', () => {
    const { ScanRow, FilterParameters, FilterCreate } = doc.components.schemas as Record<
      string,
      { properties: Json; required?: string[] }
    >;
    expect(Object.keys(ScanRow!.properties).sort()).toEqual(Object.keys(scanRowSchema.shape).sort());
    expect(Object.keys(FilterParameters!.properties).sort()).toEqual(
      Object.keys(filterParametersSchema.shape).sort(),
    );
    // A request body as accepted: fields with a server default are optional, and the id is the server's.
    expect(FilterCreate!.required).toEqual(['name']);
    expect(FilterCreate!.properties).not.toHaveProperty('id');
  });

  it('is served without a token, but only to the Host names the gateway answers', async () => {
    expect((await fetch(`http://127.0.0.1:${gateway.port}/api/lists`)).status).toBe(401);
    expect(await getWithHost(gateway.port, '/api/openapi.json', `localhost:${gateway.port}`)).toBe(200);
    expect(await getWithHost(gateway.port, '/api/openapi.json', 'evil.example')).toBe(421);
  });
});
