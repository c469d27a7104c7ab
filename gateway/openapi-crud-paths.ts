import { body, BODY, DATABASE, GUARDED, pathParam, reply, WRITE, type PathItem } from './openapi-parts.js';
import { ref } from './openapi-schemas.js';

/** The operations of the REST API's writable collections: scanner filters and a token's saved scans. */

const filterId = pathParam('id', 'the filter’s id', { type: 'integer', minimum: 0 });
const scanId = pathParam('id', 'the scan’s id', { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' });

export const CRUD_PATHS: Record<string, PathItem> = {
  '/api/filters': {
    get: {
      operationId: 'listFilters',
      tags: ['filters'],
      summary: 'Every scanner filter, ordered as `filtersMatched` lists them (priority desc, id asc)',
      responses: { '200': reply('the filters', ref('FiltersResponse')), ...GUARDED, ...DATABASE },
    },
    post: {
      operationId: 'createFilter',
      tags: ['filters'],
      summary: 'Create a filter (the server assigns its id)',
      description:
        'Validated whole by the schema every entry point uses: an unknown parameter or a min bound above its ' +
        'max is refused. The orchestrator applies it at its next reload of the filters, without a restart.',
      requestBody: body('FilterCreate', 'the filter, without `id`'),
      responses: {
        '201': reply('the stored filter', ref('Filter')),
        '400': reply('`bad_request` (not an object, or has an id) or `invalid_filter` (with `details`)'),
        '409': reply('`duplicate_name`: another filter has that name'),
        ...BODY,
        ...WRITE,
        ...DATABASE,
      },
    },
  },
  '/api/filters/{id}': {
    get: {
      operationId: 'getFilter',
      tags: ['filters'],
      summary: 'One filter',
      parameters: [filterId],
      responses: {
        '200': reply('the filter', ref('Filter')),
        '404': reply('`not_found`'),
        ...GUARDED,
        ...DATABASE,
      },
    },
    put: {
      operationId: 'replaceFilter',
      tags: ['filters'],
      summary: 'Replace a filter',
      parameters: [filterId],
      requestBody: body('FilterReplace', 'the whole filter; an `id`, if given, must be the path’s'),
      responses: {
        '200': reply('the stored filter', ref('Filter')),
        '400': reply('`bad_request` (another id) or `invalid_filter` (with `details`)'),
        '404': reply('`not_found`'),
        '409': reply('`duplicate_name`'),
        ...BODY,
        ...WRITE,
        ...DATABASE,
      },
    },
    delete: {
      operationId: 'deleteFilter',
      tags: ['filters'],
      summary: 'Delete a filter',
      parameters: [filterId],
      responses: {
        '204': { description: 'deleted' },
        '404': reply('`not_found`'),
        ...WRITE,
        ...DATABASE,
      },
    },
  },
  '/api/scans': {
    get: {
      operationId: 'listSavedScans',
      tags: ['scans'],
      summary: 'The scans saved for this request’s token, by id',
      responses: { '200': reply('the saved scans', ref('SavedScansResponse')), ...GUARDED, ...DATABASE },
    },
    post: {
      operationId: 'createSavedScan',
      tags: ['scans'],
      summary: 'Save a new scan for this token (docs/scans.md has the language)',
      description:
        'Validated whole by the scan schema every entry point uses; the orchestrator evaluates it from its next ' +
        'tick, and a WebSocket client of the same token subscribes to `scan:<id>`. A token holds at most ' +
        'SCANS_PER_TOKEN scans, saved and on its open connections together.',
      requestBody: body('ScanDefinition', 'the scan, with its `id`'),
      responses: {
        '201': reply('the saved scan', ref('SavedScan')),
        '400': reply('`bad_request`: not a valid scan (every reason in `details`)'),
        '409': reply('`already_exists` (PUT replaces) or `scan_limit` (SCANS_PER_TOKEN)'),
        ...BODY,
        ...WRITE,
        ...DATABASE,
      },
    },
  },
  '/api/scans/{id}': {
    get: {
      operationId: 'getSavedScan',
      tags: ['scans'],
      summary: 'One saved scan of this token',
      parameters: [scanId],
      responses: {
        '200': reply('the saved scan', ref('SavedScan')),
        '404': reply('`not_found`'),
        ...GUARDED,
        ...DATABASE,
      },
    },
    put: {
      operationId: 'saveScan',
      tags: ['scans'],
      summary: 'Create or replace this token’s scan `id`',
      description: 'Subscribers of `scan:<id>` follow the new definition from its snapshot.',
      parameters: [scanId],
      requestBody: body('ScanReplace', 'the whole scan; an `id`, if given, must be the path’s'),
      responses: {
        '200': reply('replaced', ref('SavedScan')),
        '201': reply('created', ref('SavedScan')),
        '400': reply('`bad_request`: another id, or not a valid scan (every reason in `details`)'),
        '409': reply('`scan_limit` (SCANS_PER_TOKEN)'),
        ...BODY,
        ...WRITE,
        ...DATABASE,
      },
    },
    delete: {
      operationId: 'deleteSavedScan',
      tags: ['scans'],
      summary: 'Delete this token’s scan `id`',
      parameters: [scanId],
      responses: {
        '204': { description: 'deleted' },
        '404': reply('`not_found`'),
        ...WRITE,
        ...DATABASE,
      },
    },
  },
};
