import { z } from 'zod';
import { describeZodError, VendorPayloadError } from './errors.js';
import { MsTimestampSchema, RequestIdSchema, SuccessStatusSchema } from './snapshot-schema.js';

/*
 * Vendor (Polygon/Massive) aggregates: the WebSocket events of docs/vendor.md §2
 * and the REST aggregate endpoints of §4. Same policy as snapshot-schema.ts: loose objects, known keys
 * typed, only the keys that make the thing meaningful are required.
 */

// ---------------------------------------------------------------------------------------------------------
// WebSocket events
// ---------------------------------------------------------------------------------------------------------

/**
 * `AM` (minute) / `A` (second) aggregate; the two differ only in `ev` and in `e - s` (60 000 vs 1 000 ms).
 *
 * Required: `ev`, `sym`, the window's own bar (`o`,`h`,`l`,`c`,`v`) and its bounds (`s`,`e`): without them
 * the event is not a bar. The day-level keys (`av`, `op`, `a`) and the derived ones (`vw`, `z`) are
 * optional. Every official example and the live capture carry them, but the scanner reads `av`/`op` only
 * when > 0 (SPEC §2.1), so a frame without them should still move the price rather than be rejected.
 */
export const AggregateEventSchema = z.looseObject({
  ev: z.enum(['A', 'AM']),
  sym: z.string().min(1),
  /** Volume in this window. */
  v: z.number(),
  /** Today's accumulated volume (pre-market included). */
  av: z.number().optional(),
  /** Today's official opening price (0 or absent before the open). */
  op: z.number().optional(),
  /** VWAP of this window. */
  vw: z.number().optional(),
  o: z.number(),
  c: z.number(),
  h: z.number(),
  l: z.number(),
  /** Today's VWAP. */
  a: z.number().optional(),
  /** Average trade size in this window. */
  z: z.number().optional(),
  /** Window start, **milliseconds**. */
  s: MsTimestampSchema,
  /** Window end, **milliseconds**. */
  e: MsTimestampSchema,
  /** Omitted when false. */
  otc: z.boolean().optional(),
  /** Fractional window volume as a decimal string, e.g. `"4989.0"`. */
  dv: z.string().optional(),
  /** Fractional accumulated volume as a decimal string. */
  dav: z.string().optional(),
});
export type AggregateEvent = z.output<typeof AggregateEventSchema>;

/**
 * Control messages (`connected`, `auth_success`, `auth_failed`, `auth_timeout`, `success`, `error`,
 * `max_connections`…). `status` is left open because the set has grown over the years.
 */
export const StatusEventSchema = z.looseObject({
  ev: z.literal('status'),
  status: z.string(),
  message: z.string().optional(),
});
export type StatusEvent = z.output<typeof StatusEventSchema>;

/** `T` trade. Only what identifies a print is required; `t` is **milliseconds** here (ns in REST snapshots). */
export const TradeEventSchema = z.looseObject({
  ev: z.literal('T'),
  sym: z.string().min(1),
  p: z.number(),
  s: z.number(),
  /** SIP timestamp, **milliseconds**. */
  t: MsTimestampSchema,
  /** Exchange ID. */
  x: z.number().int().optional(),
  /** Trade ID (a string, despite the JS client's typing). */
  i: z.string().optional(),
  /** Tape: 1 = NYSE, 2 = AMEX, 3 = Nasdaq. */
  z: z.number().int().optional(),
  /** Condition codes; omitted when empty. */
  c: z.array(z.number().int()).optional(),
  /** Sequence number, increasing per ticker but not contiguous. */
  q: z.number().int().optional(),
  /** Fractional size as a decimal string. */
  ds: z.string().optional(),
  trfi: z.number().int().optional(),
  trft: MsTimestampSchema.optional(),
});
export type TradeEvent = z.output<typeof TradeEventSchema>;

/** `Q` quote (NBBO, real-time feed only). Sizes are in **round lots**; `t` is **milliseconds**. */
export const QuoteEventSchema = z.looseObject({
  ev: z.literal('Q'),
  sym: z.string().min(1),
  bp: z.number(),
  bs: z.number(),
  ap: z.number(),
  as: z.number(),
  /** SIP timestamp, **milliseconds**. */
  t: MsTimestampSchema,
  bx: z.number().int().optional(),
  ax: z.number().int().optional(),
  c: z.number().int().optional(),
  i: z.array(z.number().int()).optional(),
  q: z.number().int().optional(),
  z: z.number().int().optional(),
  trfi: z.number().int().optional(),
  trft: MsTimestampSchema.optional(),
});
export type QuoteEvent = z.output<typeof QuoteEventSchema>;

/** The event types this product understands, discriminated on `ev`. */
export const KnownWsEventSchema = z.discriminatedUnion('ev', [
  AggregateEventSchema,
  StatusEventSchema,
  TradeEventSchema,
  QuoteEventSchema,
]);
export type KnownWsEvent = z.output<typeof KnownWsEventSchema>;

/**
 * An element whose `ev` this product does not parse (`LULD`, `NOI`, `FMV`, or something the vendor adds
 * later). It is kept so it can be counted, never fatal. The vendor's `ev` moves to `vendorEv` so that a
 * `switch (event.ev)` over {@link WsEvent} still narrows.
 */
export interface UnknownWsEvent {
  ev: 'unknown';
  vendorEv: string;
  raw: Record<string, unknown>;
}

export type WsEvent = KnownWsEvent | UnknownWsEvent;

const KNOWN_EVS: ReadonlySet<string> = new Set(['A', 'AM', 'status', 'T', 'Q']);

/** Validates one element of a WebSocket frame. A known `ev` with a bad shape is an error, not "unknown". */
export function parseWsEvent(value: unknown): { ok: true; event: WsEvent } | { ok: false; reason: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      reason: `not an object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`,
    };
  }
  const raw = value as Record<string, unknown>;
  const ev = raw['ev'];
  if (typeof ev !== 'string') return { ok: false, reason: 'ev: missing or not a string' };
  if (!KNOWN_EVS.has(ev)) return { ok: true, event: { ev: 'unknown', vendorEv: ev, raw } };
  const result = KnownWsEventSchema.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  const { path, detail } = describeZodError(result.error);
  return { ok: false, reason: `${ev} ${path}: ${detail}` };
}

/**
 * Parses one WebSocket text frame. The vendor always sends a JSON array, possibly mixing event types; a bad
 * element is reported in `rejected` (by its index in the frame) and the others are kept, because dropping
 * a whole `AM.*` batch for one odd bar would lose hundreds of tickers' minute.
 *
 * @throws VendorPayloadError when the text is not JSON or not an array: the stream itself is broken.
 */
export function parseWsFrame(text: string): {
  events: WsEvent[];
  rejected: { index: number; reason: string }[];
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new VendorPayloadError('WebSocket frame is not valid JSON', {
      detail: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  if (!Array.isArray(parsed)) {
    throw new VendorPayloadError('WebSocket frame is not a JSON array', {
      detail: parsed === null ? 'null' : typeof parsed,
    });
  }
  const events: WsEvent[] = [];
  const rejected: { index: number; reason: string }[] = [];
  parsed.forEach((element: unknown, index) => {
    const result = parseWsEvent(element);
    if (result.ok) events.push(result.event);
    else rejected.push({ index, reason: result.reason });
  });
  return { events, rejected };
}

// ---------------------------------------------------------------------------------------------------------
// REST aggregates
// ---------------------------------------------------------------------------------------------------------

/**
 * One bar of `/v2/aggs/...`. `t` is the window start in **milliseconds** (daily bars: 00:00 New York);
 * `v` is a number because the spec types it as a double (the fixtures print `642646396.0`).
 */
export const AggregateBarSchema = z.looseObject({
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  t: MsTimestampSchema,
  vw: z.number().optional(),
  /** Number of trades. */
  n: z.number().int().optional(),
  otc: z.boolean().optional(),
});
export type AggregateBar = z.output<typeof AggregateBarSchema>;

/** A grouped-daily bar: the ticker is in `T`, and `t` is 16:00 New York in **milliseconds**. */
export const GroupedDailyBarSchema = AggregateBarSchema.extend({ T: z.string().min(1) });
export type GroupedDailyBar = z.output<typeof GroupedDailyBarSchema>;

/** A `/prev` bar. It normally carries `T`, but the envelope already names the ticker, so `T` is optional. */
export const PrevCloseBarSchema = AggregateBarSchema.extend({ T: z.string().min(1).optional() });
export type PrevCloseBar = z.output<typeof PrevCloseBarSchema>;

/*
 * The vendor omits `results` when there is no data (and sent `null` around 2020); both become []. The spec
 * marks `ticker`, `adjusted`, `queryCount`, `resultsCount` and `request_id` required, but nothing here reads
 * them, and a page of bars must not be lost over a missing counter.
 */
function aggregatesEnvelope<B extends z.ZodType>(bar: B) {
  return z.looseObject({
    /** `"OK"`, or `"DELAYED"` on 15-minute-delayed plans. */
    status: SuccessStatusSchema,
    request_id: RequestIdSchema.optional(),
    ticker: z.string().optional(),
    adjusted: z.boolean().optional(),
    queryCount: z.number().int().nonnegative().optional(),
    resultsCount: z.number().int().nonnegative().optional(),
    count: z.number().int().nonnegative().optional(),
    /** Absolute URL of the next page, without the API key; absent on the last page. */
    next_url: z.string().optional(),
    results: z
      .array(bar)
      .nullish()
      .transform((r): z.output<B>[] => r ?? []),
  });
}

/** `GET /v2/aggs/ticker/{T}/range/{multiplier}/{timespan}/{from}/{to}`. */
export const AggregatesResponseSchema = aggregatesEnvelope(AggregateBarSchema);
export type AggregatesResponse = z.output<typeof AggregatesResponseSchema>;

/** `GET /v2/aggs/grouped/locale/us/market/stocks/{date}`: the whole market for one day, not paginated. */
export const GroupedDailyResponseSchema = aggregatesEnvelope(GroupedDailyBarSchema);
export type GroupedDailyResponse = z.output<typeof GroupedDailyResponseSchema>;

/** `GET /v2/aggs/ticker/{T}/prev`: the same envelope as a range query, with one bar. */
export const PrevCloseResponseSchema = aggregatesEnvelope(PrevCloseBarSchema);
export type PrevCloseResponse = z.output<typeof PrevCloseResponseSchema>;
