import {
  deleteFilter,
  DuplicateFilterNameError,
  FilterNotFoundError,
  loadFilters,
  saveFilter,
  type Queryable,
  type SaveFilterInput,
} from '../shared/db/database.js';
import { InvalidFilterError } from '../shared/scan/filters-schema.js';
import { withDatabase } from './db-errors.js';
import { HttpError, type Handler, type Request } from './http.js';

/**
 * CRUD of scanner filters (SPEC §4) under `/api/filters`. Every write is validated by the same zod schema as
 * every other entry point (shared/scan/filters-schema.ts) and rejected whole with the list of what is wrong.
 * The orchestrator re-reads the table every FILTERS_RELOAD_MS, so a change applies without a restart.
 */
export interface FiltersApi {
  readonly list: Handler;
  readonly get: Handler;
  readonly create: Handler;
  readonly replace: Handler;
  readonly remove: Handler;
}

/** Filter bodies are small; anything bigger is not a filter. */
export const FILTER_BODY_LIMIT = 64 * 1024;

export function filtersApi(db: Queryable): FiltersApi {
  return {
    list: async () => ({ status: 200, body: { filters: await run(() => loadFilters(db)) } }),
    get: async (req) => {
      const id = filterId(req);
      const found = (await run(() => loadFilters(db))).find((f) => f.id === id);
      if (!found) throw new HttpError(404, 'not_found', `no scanner filter with id ${id}`);
      return { status: 200, body: found };
    },
    create: async (req) => {
      const body = objectBody(await req.json());
      if ('id' in body) {
        throw new HttpError(400, 'bad_request', 'ids are assigned by the server; use PUT /api/filters/:id');
      }
      return { status: 201, body: await run(() => saveFilter(db, body as SaveFilterInput)) };
    },
    replace: async (req) => {
      const id = filterId(req);
      const body = objectBody(await req.json());
      if ('id' in body && body.id !== id) {
        throw new HttpError(400, 'bad_request', `the body's id ${JSON.stringify(body.id)} is not ${id}`);
      }
      return { status: 200, body: await run(() => saveFilter(db, { ...body, id } as SaveFilterInput)) };
    },
    remove: async (req) => {
      const id = filterId(req);
      if (!(await run(() => deleteFilter(db, id)))) {
        throw new HttpError(404, 'not_found', `no scanner filter with id ${id}`);
      }
      return { status: 204 };
    },
  };
}

function filterId(req: Request): number {
  const text = req.params[0] ?? '';
  const id = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(id))
    throw new HttpError(404, 'not_found', `no scanner filter with id ${JSON.stringify(text)}`);
  return id;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'bad_request', 'the body must be a JSON object (a filter)');
  }
  return body as Record<string, unknown>;
}

/** The database call with the domain errors mapped to statuses. */
async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await withDatabase(fn);
  } catch (err) {
    if (err instanceof InvalidFilterError)
      throw new HttpError(400, 'invalid_filter', err.message, err.issues);
    if (err instanceof FilterNotFoundError) throw new HttpError(404, 'not_found', err.message);
    if (err instanceof DuplicateFilterNameError) throw new HttpError(409, 'duplicate_name', err.message);
    throw err;
  }
}
