import { z } from 'zod';
import type { Intraday } from '../shared/db/intraday.js';
import type { TickerMatch } from '../shared/db/tickers.js';
import type { ScanResultRow } from '../shared/db/types.js';
import {
  deltaMessageSchema,
  deltaSchema,
  listNameSchema,
  scanRowSchema,
  snapshotMessageSchema,
  SOURCE_STATES,
} from '../shared/protocol/messages.js';
import { BOOTSTRAP_STATES } from '../shared/bus/bootstrap-status.js';
import { alertMessageSchema } from '../shared/protocol/alert-messages.js';
import { tickerMetadataSchema } from '../shared/replay/inputs.js';
import { filterParametersSchema, filterSchema } from '../shared/scan/filters-schema.js';
import { scanFieldsSchema, scanSchema } from '../shared/scan/scan-definition.js';
import { SESSIONS } from '../shared/scan/sessions.js';

/*
 * The JSON Schemas of the REST API's bodies, for the OpenAPI document (openapi.ts). Wherever the product
 * already validates or types a body with zod, the schema is generated from that very zod schema, so the
 * document cannot drift from what the gateway sends and accepts. Bodies that are only TypeScript interfaces
 * (database rows) get a zod schema here, pinned to the interface by a compile-time equality check.
 */

/** True only when A and B have the same properties with the same types (readonly aside). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const scanResultRowSchema = z.object({
  time: z.string().describe('the scan instant, ISO-8601 UTC'),
  symbol: z.string(),
  session: z.enum(SESSIONS),
  price: z.number(),
  volumeToday: z.number().nullable(),
  changePercent: z.number().nullable(),
  rvol: z.number().nullable(),
  rvolSlot: z.number().nullable(),
  gapFromOpen: z.number().nullable(),
  priceFromHigh: z.number().nullable(),
  priceFromLow: z.number().nullable(),
  marketCap: z.number().nullable(),
  floatShares: z.number().nullable(),
  score: z.number(),
  rank: z.number().int().positive().describe('1-based position in the score ranking'),
  filtersMatched: z.array(z.string()),
  lists: z.array(z.string()).describe('the lists the ticker was in at that scan'),
});
const scanResultRowMatches: Same<z.infer<typeof scanResultRowSchema>, ScanResultRow> = true;

const tickerMatchSchema = z.object({
  symbol: z.string(),
  companyName: z.string().nullable(),
  exchange: z.string().nullable(),
  isEtf: z.boolean().nullable(),
});
const tickerMatchMatches: Same<z.infer<typeof tickerMatchSchema>, TickerMatch> = true;

const intradaySchema = z.object({
  date: z.string().nullable().describe('the New York date of the points; null when never persisted'),
  points: z.array(
    z.object({
      time: z.string().describe('the last scan of that minute, ISO-8601 UTC'),
      price: z.number(),
      volumeToday: z.number().nullable(),
    }),
  ),
});
const intradayMatches: Same<z.infer<typeof intradaySchema>, Intraday> = true;

// Referenced so that the checks above are not "unused": their value is the type check itself.
void [scanResultRowMatches, tickerMatchMatches, intradayMatches];

const errorSchema = z.object({
  error: z.string().describe('a stable code: bad_request, invalid_filter, not_found, unauthorized, …'),
  message: z.string(),
  details: z.array(z.string()).optional().describe('`field: problem` lines, for an invalid filter'),
});

const nullableIso = z.string().nullable();
const ageMs = z.number().nullable().describe('ms since asOf, against the wall clock; null before any');

const listsResponseSchema = z.object({
  asOf: nullableIso.describe('the newest list message’s ts; null before the first'),
  ageMs,
  lists: z.array(snapshotMessageSchema),
});

const filtersResponseSchema = z.object({ filters: z.array(filterSchema) });
const filterCreateSchema = filterSchema.omit({ id: true });
const filterReplaceSchema = filterSchema.partial({ id: true });

const savedScanSchema = z.object({
  id: z.string(),
  list: z.string().describe('what a WebSocket client subscribes to: `scan:<id>`'),
  scan: scanSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
const savedScansResponseSchema = z.object({ scans: z.array(savedScanSchema) });
const scanReplaceSchema = scanFieldsSchema.partial({ id: true });

const tickerSearchResponseSchema = z.object({ tickers: z.array(tickerMatchSchema) });
const tickerResponseSchema = z.object({
  symbol: z.string(),
  row: scanRowSchema.nullable().describe('its current row in the lists (rank = score rank); null if none'),
  lists: z.partialRecord(listNameSchema, z.number().int().positive()).describe('1-based rank per list'),
  metadata: tickerMetadataSchema.nullable(),
  lastScan: scanResultRowSchema.nullable().describe('its latest persisted scan row'),
});

/*
 * /health is built in http-routes.ts without a zod schema; this is its documented shape. Only `status` is
 * promised to every reader; the rest is described as specified and may grow (extra fields allowed). When the
 * body gets a zod schema of its own, it should replace this one here, like every other body.
 */
const healthSchema = z.looseObject({
  status: z.string().describe('`ok` when healthy (HTTP 200); another word otherwise (HTTP 503)'),
  source: z.enum(SOURCE_STATES).optional().describe('freshness of what is served (docs/spec.md §8)'),
  asOf: nullableIso.optional(),
  ageMs: ageMs.optional(),
  redis: z.enum(['up', 'down']).optional(),
  postgres: z.enum(['up', 'down']).optional(),
  lists: z.record(z.string(), z.number().int().nonnegative()).optional().describe('current seq per list'),
  clients: z.number().int().nonnegative().optional().describe('open WebSocket connections'),
  session: z.string().nullable().optional().describe("the market session on the orchestrator's clock"),
  bootstrap: z
    .looseObject({ state: z.enum(BOOTSTRAP_STATES) })
    .optional()
    .describe('the first-start bootstrap (docs/bootstrap.md); never a reason for 503'),
});

const alertsResponseSchema = z.object({
  alerts: z.array(alertMessageSchema).describe('the newest alerts that match, in publication order'),
});

/** Every component schema, by name. Names are referenced as `#/components/schemas/<name>`. */
const COMPONENTS = {
  Error: errorSchema,
  ListName: listNameSchema,
  ScanRow: scanRowSchema,
  Delta: deltaSchema,
  SnapshotMessage: snapshotMessageSchema,
  DeltaMessage: deltaMessageSchema,
  ListsResponse: listsResponseSchema,
  FilterParameters: filterParametersSchema,
  Filter: filterSchema,
  FiltersResponse: filtersResponseSchema,
  FilterCreate: filterCreateSchema,
  FilterReplace: filterReplaceSchema,
  ScanDefinition: scanSchema,
  SavedScan: savedScanSchema,
  SavedScansResponse: savedScansResponseSchema,
  ScanReplace: scanReplaceSchema,
  TickerMatch: tickerMatchSchema,
  TickerSearchResponse: tickerSearchResponseSchema,
  TickerMetadata: tickerMetadataSchema,
  ScanResult: scanResultRowSchema,
  TickerResponse: tickerResponseSchema,
  IntradayResponse: intradaySchema.extend({ symbol: z.string() }),
  Health: healthSchema,
  AlertMessage: alertMessageSchema,
  AlertsResponse: alertsResponseSchema,
} as const;

export type ComponentName = keyof typeof COMPONENTS;
export type JsonSchema = Record<string, unknown>;

/** `{"$ref": "#/components/schemas/<name>"}`. */
export const ref = (name: ComponentName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/**
 * The component schemas as JSON Schema 2020-12 (OpenAPI 3.1's dialect). Request bodies are described as
 * accepted (`io: input`: fields with a default are optional); responses as sent (`io: output`). A schema used
 * inside another becomes a `$ref` to its component instead of a copy.
 */
export function componentSchemas(): Record<ComponentName, JsonSchema> {
  const output = generate('output');
  const input = generate('input');
  const requestBodies: ReadonlySet<ComponentName> = new Set([
    'FilterCreate',
    'FilterReplace',
    'ScanDefinition',
    'ScanReplace',
  ]);
  return Object.fromEntries(
    (Object.keys(COMPONENTS) as ComponentName[]).map((name) => [
      name,
      (requestBodies.has(name) ? input : output)[name],
    ]),
  ) as Record<ComponentName, JsonSchema>;
}

function generate(io: 'input' | 'output'): Record<ComponentName, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    // JSON has no Date, bigint …: a schema that cannot be described must fail here, not be left out.
    unrepresentable: 'throw',
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      // `$schema`/`$id` are per-document keywords; inside an OpenAPI document the dialect is the document's.
      const rest: JsonSchema = { ...schema };
      delete rest.$schema;
      delete rest.$id;
      return [id, rest];
    }),
  ) as Record<ComponentName, JsonSchema>;
}
