import { z } from 'zod';
import { describeZodError, parseVendorPayload } from './errors.js';

/*
 * Schemas for the vendor's (Polygon/Massive) stock snapshot endpoints, after
 * docs/vendor.md §3. The policy for every vendor schema in this directory:
 *  - every object is loose: a key the vendor adds tomorrow must never fail a parse;
 *  - a key we know is type-checked when present: `"c":"abc"` is a fault, not something to coerce;
 *  - a key is required only when the object is meaningless without it (the ticker, the trade price…);
 *    everything the vendor may omit by plan, time of day or era is optional.
 */

/**
 * Nanoseconds since the Unix epoch (snapshot `updated`, `lastTrade.t`, `lastQuote.t`).
 *
 * These are about 1.6e18, far above 2^53, so `JSON.parse` has already rounded them to a multiple of 256 ns
 * before zod sees them (the vendor's own JSON examples show the rounded form, e.g. `…916600` for
 * `…916608`). zod's `.int()` only accepts safe integers, so this is a plain finite number: use it for
 * ordering and millisecond arithmetic (`Math.floor(t / 1e6)`), never as an exact trade identity.
 */
export const NsTimestampSchema = z.number();

/** Milliseconds since the Unix epoch (snapshot `min.t`, aggregate `t`, WebSocket `s`/`e`/`t`). */
export const MsTimestampSchema = z.number().int();

/**
 * The vendor's `request_id`. Real responses carry a string, but the vendor's own OpenAPI example for
 * `/stocks/vX/float` prints a number, and a fake server copied from the spec would do the same; it is only
 * ever logged, so a number is accepted and turned into a string rather than failing the page.
 */
export const RequestIdSchema = z.union([z.string(), z.number().transform((n) => String(n))]);

/**
 * `status` values the vendor uses for error bodies (docs/vendor.md §7.2; `NotFound` is the 2020 spelling).
 * Success envelopes reject them so an error body can never pass for an empty result: aggregates omit
 * `results` when there is no data, so `{"status":"NOT_AUTHORIZED","message":…}` would otherwise parse as
 * "no bars".
 */
export const VENDOR_ERROR_STATUSES: readonly string[] = ['ERROR', 'NOT_AUTHORIZED', 'NOT_FOUND', 'NotFound'];

/** A success envelope's `status`: any string (`"OK"`, `"DELAYED"` on delayed plans…) except an error status. */
export const SuccessStatusSchema = z.string().refine((s) => !VENDOR_ERROR_STATUSES.includes(s), {
  error: (issue) => `vendor error status ${String(issue.input)}`,
});

/** A daily bar (`day`, `prevDay`). Volumes are numbers: the spec types them as doubles. */
export const SnapshotBarSchema = z.looseObject({
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  vw: z.number(),
  /** Fractional volume as a decimal string, e.g. `"37216.0"`. */
  dv: z.string().optional(),
  /** Omitted when false. */
  otc: z.boolean().optional(),
});
export type SnapshotBar = z.output<typeof SnapshotBarSchema>;

/**
 * The most recent minute bar (`min`). The spec marks most keys required, but the recorded responses omit
 * `dav`/`dv` and before 04:00 ET the bar may be partial, so every key is optional; any key present is typed.
 */
export const SnapshotMinuteBarSchema = z.looseObject({
  /** Accumulated volume for the day (pre-market included). */
  av: z.number().optional(),
  o: z.number().optional(),
  h: z.number().optional(),
  l: z.number().optional(),
  c: z.number().optional(),
  v: z.number().optional(),
  vw: z.number().optional(),
  /** Start of the minute, in **milliseconds** (unlike the nanosecond `updated`). */
  t: MsTimestampSchema.optional(),
  /** Number of trades in the minute. */
  n: z.number().int().optional(),
  /** Fractional accumulated volume as a decimal string. */
  dav: z.string().optional(),
  /** Fractional minute volume as a decimal string. */
  dv: z.string().optional(),
  otc: z.boolean().optional(),
});
export type SnapshotMinuteBar = z.output<typeof SnapshotMinuteBarSchema>;

/**
 * The last trade (only on plans that include trades). The spec requires `c` and `ds`, yet the recorded
 * responses carry `"c": null` and no `ds`, so `c` is nullable/optional and `ds` optional.
 */
export const SnapshotLastTradeSchema = z.looseObject({
  /** Condition codes; `null` or absent when there are none. */
  c: z.array(z.number().int()).nullable().optional(),
  /** Trade ID: a string on the wire even when it looks numeric. */
  i: z.string(),
  p: z.number(),
  s: z.number(),
  /** SIP timestamp in **nanoseconds**; see {@link NsTimestampSchema} for the precision caveat. */
  t: NsTimestampSchema,
  /** Exchange ID. */
  x: z.number().int(),
  /** Fractional size as a decimal string. */
  ds: z.string().optional(),
});
export type SnapshotLastTrade = z.output<typeof SnapshotLastTradeSchema>;

/** NBBO (only on plans that include quotes). Sizes are in round lots: `S: 2` means 200 shares. */
export const SnapshotLastQuoteSchema = z.looseObject({
  /** Ask price. */
  P: z.number(),
  /** Ask size in round lots. */
  S: z.number(),
  /** Bid price. */
  p: z.number(),
  /** Bid size in round lots. */
  s: z.number(),
  /** SIP timestamp in **nanoseconds**; see {@link NsTimestampSchema}. */
  t: NsTimestampSchema,
});
export type SnapshotLastQuote = z.output<typeof SnapshotLastQuoteSchema>;

/**
 * One ticker of a snapshot. Every key but `ticker` is optional, as in the vendor schema: `lastTrade`,
 * `lastQuote` and `fmv` depend on the plan, and `day`/`min` are missing or zero early in the morning.
 */
export const TickerSnapshotSchema = z.looseObject({
  ticker: z.string().min(1),
  /** Last price minus `prevDay.c`. */
  todaysChange: z.number().optional(),
  /** Percent, e.g. `-0.601` means −0.601 %. */
  todaysChangePerc: z.number().optional(),
  /** Last update in **nanoseconds**; see {@link NsTimestampSchema}. */
  updated: NsTimestampSchema.optional(),
  /** Fair market value (Business plans only). */
  fmv: z.number().optional(),
  day: SnapshotBarSchema.optional(),
  prevDay: SnapshotBarSchema.optional(),
  min: SnapshotMinuteBarSchema.optional(),
  lastTrade: SnapshotLastTradeSchema.optional(),
  lastQuote: SnapshotLastQuoteSchema.optional(),
});
export type TickerSnapshot = z.output<typeof TickerSnapshotSchema>;

/*
 * `tickers` must be present: a 403/429 error body also has a `status` string, and accepting a missing list
 * would turn "not entitled" into "the market is empty". `null` is accepted because the vendor has used it
 * for "no rows" elsewhere (aggregates `results`).
 */
const tickerList = z
  .array(TickerSnapshotSchema)
  .nullable()
  .transform((t) => t ?? []);

/**
 * `GET /v2/snapshot/locale/us/markets/stocks/tickers`. `status` is any non-error string (`"OK"`,
 * `"DELAYED"`…); `tickers: null` becomes `[]`.
 */
export const FullMarketSnapshotSchema = z.looseObject({
  status: SuccessStatusSchema,
  count: z.number().int().nonnegative().optional(),
  request_id: RequestIdSchema.optional(),
  tickers: tickerList,
});
export type FullMarketSnapshot = z.output<typeof FullMarketSnapshotSchema>;
/** What the vendor (or a fake server) sends, before `tickers: null` is normalised. */
export type FullMarketSnapshotInput = z.input<typeof FullMarketSnapshotSchema>;

/**
 * `GET /v2/snapshot/locale/us/markets/stocks/tickers/{ticker}`: the key is the singular `ticker`, holding
 * one object. The spec requires `request_id`; it is optional here because nothing depends on it.
 */
export const SingleTickerSnapshotSchema = z.looseObject({
  status: SuccessStatusSchema,
  request_id: RequestIdSchema.optional(),
  ticker: TickerSnapshotSchema,
});
export type SingleTickerSnapshot = z.output<typeof SingleTickerSnapshotSchema>;

/** `GET /v2/snapshot/locale/us/markets/stocks/{gainers|losers}`: top 20, no `count`. */
export const GainersLosersSnapshotSchema = z.looseObject({
  status: SuccessStatusSchema,
  request_id: RequestIdSchema.optional(),
  tickers: tickerList,
});
export type GainersLosersSnapshot = z.output<typeof GainersLosersSnapshotSchema>;

const fullMarketEnvelope = FullMarketSnapshotSchema.extend({
  tickers: z
    .array(z.unknown())
    .nullable()
    .transform((t) => t ?? []),
});

/** A snapshot row that failed validation and was left out. */
export interface RejectedTicker {
  /** Position in the vendor's `tickers` array. */
  index: number;
  /** The row's `ticker`, when it was readable. */
  ticker: string | undefined;
  /** `path: message`, e.g. `day.c: Invalid input: expected number, received string`. */
  reason: string;
}

/**
 * Validates a full-market snapshot row by row. One malformed ticker among ten thousand must not cost the
 * whole market a scan, so bad rows are returned in `rejected` (for a counter) and the rest are kept.
 * A bad envelope (not an object, no `status`, no `tickers`) still throws `VendorPayloadError`.
 */
export function parseFullMarketSnapshot(body: unknown): {
  snapshot: FullMarketSnapshot;
  rejected: RejectedTicker[];
} {
  const envelope = parseVendorPayload(fullMarketEnvelope, body, 'full-market snapshot');
  const tickers: TickerSnapshot[] = [];
  const rejected: RejectedTicker[] = [];
  envelope.tickers.forEach((row, index) => {
    const result = TickerSnapshotSchema.safeParse(row);
    if (result.success) {
      tickers.push(result.data);
      return;
    }
    const { path, detail } = describeZodError(result.error);
    const name = (row as { ticker?: unknown } | null)?.ticker;
    rejected.push({
      index,
      ticker: typeof name === 'string' ? name : undefined,
      reason: `${path}: ${detail}`,
    });
  });
  return { snapshot: { ...envelope, tickers }, rejected };
}
