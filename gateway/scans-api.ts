import {
  findSavedScan,
  listSavedScans,
  SavedScanLimitError,
  type SavedScan,
} from '../shared/db/saved-scans.js';
import type { Queryable } from '../shared/db/database.js';
import { scanIdSchema } from '../shared/protocol/messages.js';
import { formatScanIssues, scanSchema, type ScanDefinition } from '../shared/scan/scan-definition.js';
import { tokenOwner } from './auth.js';
import type { ClientScans } from './client-scans.js';
import { withDatabase } from './db-errors.js';
import { HttpError, type Handler, type Request } from './http.js';
import type { SavedScans } from './saved-scans.js';

/** A scan definition is small; 64 KB holds the largest valid one (10 groups × 20 conditions, `in` lists). */
export const SCAN_BODY_LIMIT = 64 * 1024;

export interface ScansApi {
  readonly list: Handler;
  readonly get: Handler;
  readonly create: Handler;
  readonly replace: Handler;
  readonly remove: Handler;
}

/** A saved scan as the API shows it: `list` is what a WebSocket client subscribes to. */
interface ScanView {
  readonly id: string;
  readonly list: string;
  readonly scan: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const view = (s: SavedScan): ScanView => ({
  id: s.id,
  list: `scan:${s.id}`,
  scan: s.definition,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

/**
 * `/api/scans` (SPEC §13): a token's saved scans, CRUD. Reads come from PostgreSQL (read-after-write on every
 * gateway); writes go through {@link SavedScans} (PostgreSQL, then the scan registry the orchestrator evaluates).
 * Bodies are validated by the one scan schema, and refused whole with every reason; a token holding
 * SCANS_PER_TOKEN scans (saved, plus those on its open connections to this gateway) gets 409 `scan_limit`.
 */
export function scansApi(
  db: Queryable,
  saved: SavedScans,
  clientScans: ClientScans,
  perToken: number,
): ScansApi {
  const limitFor = (owner: string) => perToken - clientScans.ephemeralCount(owner);
  return {
    list: async (req) => {
      const scans = await run(() => listSavedScans(db, tokenOwner(req.token)));
      return { status: 200, body: { scans: scans.map(view) } };
    },
    get: async (req) => {
      const id = scanId(req);
      const found = await run(() => findSavedScan(db, tokenOwner(req.token), id));
      if (!found) throw notFound(id);
      return { status: 200, body: view(found) };
    },
    create: async (req) => {
      const definition = parseBody(await req.json());
      const owner = tokenOwner(req.token);
      const r = await run(
        () => saved.save(owner, definition, limitFor(owner), { createOnly: true }),
        perToken,
      );
      if (r === null)
        throw new HttpError(
          409,
          'already_exists',
          `a scan ${JSON.stringify(definition.id)} is already saved; PUT /api/scans/${definition.id} replaces it`,
        );
      return { status: 201, body: view(r.scan) };
    },
    replace: async (req) => {
      const id = scanId(req);
      const body = await req.json();
      if (isObject(body) && 'id' in body && body.id !== id)
        throw new HttpError(
          400,
          'bad_request',
          `the body's id ${JSON.stringify(body.id)} is not ${JSON.stringify(id)}`,
        );
      const definition = parseBody(isObject(body) ? { ...body, id } : body);
      const owner = tokenOwner(req.token);
      const r = (await run(() => saved.save(owner, definition, limitFor(owner)), perToken))!;
      return { status: r.created ? 201 : 200, body: view(r.scan) };
    },
    remove: async (req) => {
      const id = scanId(req);
      if (!(await run(() => saved.remove(tokenOwner(req.token), id)))) throw notFound(id);
      return { status: 204 };
    },
  };
}

export const limitMessage = (perToken: number): string =>
  `this token already holds ${perToken} scans (SCANS_PER_TOKEN: saved ones and those on its open connections); remove one first`;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const notFound = (id: string) =>
  new HttpError(404, 'not_found', `no saved scan ${JSON.stringify(id)} for this token`);

function scanId(req: Request): string {
  const id = req.params[0] ?? '';
  if (!scanIdSchema.safeParse(id).success) throw notFound(id);
  return id;
}

function parseBody(body: unknown): ScanDefinition {
  if (!isObject(body))
    throw new HttpError(400, 'bad_request', 'the body must be a JSON object (a scan definition)');
  const r = scanSchema.safeParse(body);
  if (r.success) return r.data;
  const issues = formatScanIssues(r.error);
  throw new HttpError(400, 'bad_request', issues[0] ?? 'invalid scan', issues);
}

/** The database call with the domain errors mapped to statuses. */
async function run<T>(fn: () => Promise<T>, perToken = 0): Promise<T> {
  try {
    return await withDatabase(fn);
  } catch (err) {
    if (err instanceof SavedScanLimitError) throw new HttpError(409, 'scan_limit', limitMessage(perToken));
    throw err;
  }
}
