import { z } from 'zod';
import { LIST_NAMES, type ListName } from '../scan/lists.js';
import type { ScanListName } from '../scan/scan-list-names.js';
import type { AlertMessage } from './alert-messages.js';
import { SESSIONS } from '../scan/sessions.js';

/**
 * The WebSocket protocol of SPEC §8, as zod schemas with the TypeScript types derived from them. Server
 * messages are also what the replay tool prints and what the orchestrator publishes to Redis, so one
 * definition serves all three.
 */

const nullableNumber = z.number().nullable();

/**
 * Why a row's RVOL may be null (SPEC §12): `no_slot` outside 04:00–20:00 New York and all of a non-trading day,
 * `warming` while the ticker has fewer than RVOL_MIN_DAYS days of history, `ok` otherwise.
 */
export const RVOL_STATES = ['ok', 'warming', 'no_slot'] as const;
export type RvolState = (typeof RVOL_STATES)[number];

/** One ticker's row as clients see it. Absent values are `null`, never 0 or NaN. */
const scanRowShape = {
  symbol: z.string(),
  /** 1-based position in the list the row is sent in (in a `scan` line: = scoreRank). */
  rank: z.number().int().positive(),
  /** 1-based position in the score ranking. */
  scoreRank: z.number().int().positive(),
  companyName: z.string().nullable(),
  /** false when the ticker has no metadata row (its metadata fields are then null). */
  hasMetadata: z.boolean(),
  price: z.number(),
  change: nullableNumber,
  changePercent: nullableNumber,
  volumeToday: nullableNumber,
  rvol: nullableNumber,
  rvolSlot: nullableNumber,
  rvolState: z.enum(RVOL_STATES),
  gapFromOpen: nullableNumber,
  gapFromOpenDollars: nullableNumber,
  gapAtOpen: nullableNumber,
  gapPremarket: nullableNumber,
  gapPostmarket: nullableNumber,
  priceFromHigh: nullableNumber,
  priceFromLow: nullableNumber,
  volumeRatio: nullableNumber,
  floatRotation: nullableNumber,
  dollarVolume: nullableNumber,
  /** Price against the price 1, 5 and 15 minutes ago, in percent (SPEC §3: null without a recent observation). */
  change1m: nullableNumber,
  change5m: nullableNumber,
  change15m: nullableNumber,
  /** Shares traded in the last 5 minutes. */
  volume5m: nullableNumber,
  /** Where the price sits between the session low (0) and high (100). */
  rangePosition: nullableNumber,
  /** Today's VWAP, and the price against it in percent. */
  vwap: nullableNumber,
  priceFromVwap: nullableNumber,
  /** Ask − bid over the midpoint, in percent. */
  spreadPercent: nullableNumber,
  score: z.number(),
  high: nullableNumber,
  low: nullableNumber,
  open: nullableNumber,
  prevClose: nullableNumber,
  bid: nullableNumber,
  ask: nullableNumber,
  marketCap: nullableNumber,
  floatShares: nullableNumber,
  sector: z.string().nullable(),
  industry: z.string().nullable(),
  exchange: z.string().nullable(),
  isEtf: z.boolean().nullable(),
  filtersMatched: z.array(z.string()),
  session: z.enum(SESSIONS),
  updatedAt: z.string(),
};

/**
 * Row fields added after rows were first stored read as null when absent, so that list snapshots and messages
 * the previous version left in Redis still parse after an upgrade and the sequences continue (SPEC §6) instead
 * of starting a new epoch; the first delta then carries the new fields as changed. Update fields (below) keep
 * no default: an absent field there means "unchanged".
 */
const addedLater = (schema: typeof nullableNumber) => schema.default(null);

export const scanRowSchema = z.object({
  ...scanRowShape,
  change1m: addedLater(scanRowShape.change1m),
  change5m: addedLater(scanRowShape.change5m),
  change15m: addedLater(scanRowShape.change15m),
  volume5m: addedLater(scanRowShape.volume5m),
  rangePosition: addedLater(scanRowShape.rangePosition),
  vwap: addedLater(scanRowShape.vwap),
  priceFromVwap: addedLater(scanRowShape.priceFromVwap),
  spreadPercent: addedLater(scanRowShape.spreadPercent),
});
export type ScanRow = z.infer<typeof scanRowSchema>;

/** A built-in list (SPEC §5). */
export const listNameSchema = z.enum(LIST_NAMES);

/**
 * A user-defined scan's list (SPEC §13): `scan:<id>`. Clients name it by the id they chose (`scan:mine`); the
 * orchestrator publishes it by the definition's key (`scan:s<12 hex>`, scan-list-names.ts) and the gateway renames
 * it per client. Ids follow the scan definition's id rule.
 */
export const scanListNameSchema = z
  .string()
  .regex(
    /^scan:[A-Za-z0-9_-]{1,64}$/,
    'a scan list is "scan:" and 1 to 64 letters, digits, "-" or "_"',
  ) as unknown as z.ZodType<ScanListName, string>; // the regex is the template type's check; a transform would not convert to JSON Schema (openapi.ts)

/** Any list a message can carry: built-in or scan. */
export const anyListNameSchema = z.union([listNameSchema, scanListNameSchema]);
export type AnyListName = z.infer<typeof anyListNameSchema>;

/**
 * An `update`'s fields (SPEC §6): only the row fields whose value differs from the row last sent for that symbol
 * in that list, merged by the client into the row it holds. Never empty; `symbol` and `rank` are the update's own.
 */
export const rowFieldsSchema = z
  .object(scanRowShape)
  .omit({ symbol: true, rank: true })
  .partial()
  .refine((f) => Object.keys(f).length > 0, { message: 'an update carries at least one field' });
export type RowFields = z.infer<typeof rowFieldsSchema>;

export const deltaSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('remove'), symbol: z.string() }),
  z.object({
    action: z.literal('add'),
    symbol: z.string(),
    rank: z.number().int().positive(),
    row: scanRowSchema,
  }),
  z.object({
    action: z.literal('rerank'),
    symbol: z.string(),
    oldRank: z.number().int().positive(),
    newRank: z.number().int().positive(),
  }),
  z.object({
    action: z.literal('update'),
    symbol: z.string(),
    rank: z.number().int().positive(),
    fields: rowFieldsSchema,
  }),
]);
export type Delta = z.infer<typeof deltaSchema>;

export const snapshotMessageSchema = z.object({
  type: z.literal('snapshot'),
  list: anyListNameSchema,
  epoch: z.string().min(1),
  seq: z.number().int().positive(),
  prevSeq: z.number().int().nonnegative(),
  ts: z.string(),
  rows: z.array(scanRowSchema),
});
export type SnapshotMessage = z.infer<typeof snapshotMessageSchema>;

export const deltaMessageSchema = z.object({
  type: z.literal('delta'),
  list: anyListNameSchema,
  epoch: z.string().min(1),
  seq: z.number().int().positive(),
  prevSeq: z.number().int().nonnegative(),
  ts: z.string(),
  deltas: z.array(deltaSchema).min(1),
});
export type DeltaMessage = z.infer<typeof deltaMessageSchema>;

/** A message of one list: what is sequenced. */
export type ListMessage = SnapshotMessage | DeltaMessage;

/** A message of one of the 11 built-in lists (the scan lists' are ListMessages named `scan:…`). */
export type BuiltInListMessage = ListMessage & { readonly list: ListName };

/**
 * Freshness of what is served (SPEC §8): `live` (the feed delivers and the last scan is recent), `stale` (no fresh
 * vendor data for STALE_AFTER_MS during a session; failed polls count), `closed` (no session: the last lists are
 * kept), `down` (the orchestrator has not reported for STALE_AFTER_MS: dead or stuck).
 */
export const SOURCE_STATES = ['live', 'stale', 'closed', 'down'] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

/** What heartbeats and `/health` say about the lists served. */
export const freshnessSchema = z.object({
  source: z.enum(SOURCE_STATES),
  /**
   * Wall-clock ms since the data behind the lists was received (never clamped; a simulated or recorded market
   * clock plays no part), or null before any list was published.
   */
  ageMs: z.number().nullable(),
  /** The session of the market's clock as the orchestrator last reported it; null when it never did. */
  session: z.enum(SESSIONS).nullable(),
});
export type Freshness = z.infer<typeof freshnessSchema>;

export const heartbeatMessageSchema = z.object({
  type: z.literal('heartbeat'),
  ts: z.string(),
  seqs: z.record(z.string(), z.number().int().nonnegative()),
  ...freshnessSchema.shape,
});
export type HeartbeatMessage = z.infer<typeof heartbeatMessageSchema>;
export const pongMessageSchema = z.object({ type: z.literal('pong'), id: z.union([z.number(), z.string()]) });
export const ERROR_CODES = [
  'bad_request',
  'unknown_list',
  'unauthorized',
  'rate_limited',
  'slow_consumer',
] as const;
export const errorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

/** Everything the gateway sends (SPEC §8; the alert message of §14 is in alert-messages.ts). */
export type ServerMessage =
  | SnapshotMessage
  | DeltaMessage
  | HeartbeatMessage
  | z.infer<typeof pongMessageSchema>
  | z.infer<typeof errorMessageSchema>
  | AlertMessage;

/** Most lists one subscribe may name: the 11 built-in lists, `"*"` and a token's scans (SCANS_PER_TOKEN ≤ 100). */
export const MAX_LISTS_PER_OP = 128;

/** The alert stream's name in subscribe/unsubscribe/resync (SPEC §14): not a list, but subscribed like one. */
export const ALERTS = 'alerts';

/** Client → server. `lists` may be `["*"]` for every built-in list. */
const listSelection = z
  .array(z.union([listNameSchema, scanListNameSchema, z.literal('*'), z.literal(ALERTS)]))
  .min(1)
  .max(MAX_LISTS_PER_OP);
/** A scan's id as its client names it (SPEC §13). */
export const scanIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a scan id is 1 to 64 letters, digits, "-" or "_"');
export const clientMessageSchema = z.discriminatedUnion('op', [
  // `where` filters the alerts (SPEC §14, the scan language's groups), checked by the gateway like a scan's.
  z.object({ op: z.literal('subscribe'), lists: listSelection, where: z.unknown().optional() }).strict(),
  z.object({ op: z.literal('unsubscribe'), lists: listSelection }).strict(),
  z.object({ op: z.literal('resync'), list: z.union([anyListNameSchema, z.literal(ALERTS)]) }).strict(),
  z.object({ op: z.literal('ping'), id: z.union([z.number().finite(), z.string().max(64)]) }).strict(),
  // The definition is checked by the scan schema in the gateway, whose errors name the field (scan-definition.ts).
  z.object({ op: z.literal('scan'), id: scanIdSchema, scan: z.unknown() }).strict(),
  z.object({ op: z.literal('unscan'), id: scanIdSchema }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** The `scan` line of replay's `--rows` output (SPEC §10): every ranked row, rank = scoreRank. */
export interface ScanLine {
  readonly type: 'scan';
  readonly ts: string;
  readonly session: (typeof SESSIONS)[number];
  readonly rows: readonly ScanRow[];
}
