import { z } from 'zod';
import { RequestIdSchema, SuccessStatusSchema } from './snapshot-schema.js';

/*
 * Vendor (Polygon/Massive) reference data, market status and error bodies: docs/vendor.md §5–§7. Same policy as snapshot-schema.ts. The identifier (`ticker`) is required;
 * the descriptive fields are optional because the vendor omits what it does not know (ETFs and warrants
 * usually have no `market_cap` or `sic_*`), and a metadata refresh must not stop on one sparse row.
 */

/** One row of `GET /v3/reference/tickers`. */
export const ReferenceTickerSchema = z.looseObject({
  ticker: z.string().min(1),
  name: z.string().optional(),
  /** `stocks`, `otc`, `crypto`, `fx`, `indices`. */
  market: z.string().optional(),
  locale: z.string().optional(),
  /** MIC of the primary listing: `XNAS`, `XNYS`, `ARCX`, `BATS`, `XASE`… */
  primary_exchange: z.string().optional(),
  /** Ticker type code: `CS`, `ETF`, `ADRC`, `WARRANT`… */
  type: z.string().optional(),
  active: z.boolean().optional(),
  currency_name: z.string().optional(),
  currency_symbol: z.string().optional(),
  base_currency_name: z.string().optional(),
  base_currency_symbol: z.string().optional(),
  cik: z.string().optional(),
  composite_figi: z.string().optional(),
  share_class_figi: z.string().optional(),
  /** RFC 3339. */
  last_updated_utc: z.string().optional(),
  /** RFC 3339. */
  delisted_utc: z.string().optional(),
});
export type ReferenceTicker = z.output<typeof ReferenceTickerSchema>;

/** `GET /v3/reference/tickers`: one page; follow `next_url` (absent on the last page) for the rest. */
export const TickersListResponseSchema = z.looseObject({
  status: SuccessStatusSchema,
  request_id: RequestIdSchema.optional(),
  /** Rows on this page, not the total. */
  count: z.number().int().nonnegative().optional(),
  /** Absolute URL with an opaque `cursor`, without the API key. */
  next_url: z.string().optional(),
  results: z
    .array(ReferenceTickerSchema)
    .nullish()
    .transform((r) => r ?? []),
});
export type TickersListResponse = z.output<typeof TickersListResponseSchema>;

/** The `results` object of `GET /v3/reference/tickers/{ticker}`. */
export const TickerDetailsSchema = ReferenceTickerSchema.extend({
  /** Most recent close × weighted shares outstanding, in the listing currency. */
  market_cap: z.number().optional(),
  /** Shares of this class. */
  share_class_shares_outstanding: z.number().optional(),
  /** All classes, converted to this class. */
  weighted_shares_outstanding: z.number().optional(),
  /** A string, e.g. `"3571"`. */
  sic_code: z.string().optional(),
  sic_description: z.string().optional(),
  /** `YYYY-MM-DD`. */
  list_date: z.string().optional(),
  round_lot: z.number().optional(),
  total_employees: z.number().optional(),
  ticker_root: z.string().optional(),
  ticker_suffix: z.string().optional(),
  description: z.string().optional(),
  homepage_url: z.string().optional(),
  phone_number: z.string().optional(),
  address: z
    .looseObject({
      address1: z.string().optional(),
      address2: z.string().optional(),
      city: z.string().optional(),
      state: z.string().optional(),
      postal_code: z.string().optional(),
    })
    .optional(),
  /** The URLs need the API key to be fetched. */
  branding: z.looseObject({ logo_url: z.string().optional(), icon_url: z.string().optional() }).optional(),
});
export type TickerDetails = z.output<typeof TickerDetailsSchema>;

/** `GET /v3/reference/tickers/{ticker}`: `results` is an object, not an array. */
export const TickerDetailsResponseSchema = z.looseObject({
  status: SuccessStatusSchema,
  request_id: RequestIdSchema.optional(),
  count: z.number().int().nonnegative().optional(),
  results: TickerDetailsSchema,
});
export type TickerDetailsResponse = z.output<typeof TickerDetailsResponseSchema>;

/** One row of `GET /stocks/vX/float` (an experimental endpoint: its interface may change). */
export const FreeFloatSchema = z.looseObject({
  ticker: z.string().min(1),
  /** Shares. */
  free_float: z.number().optional(),
  /** Percent of shares outstanding, e.g. `98.5`. */
  free_float_percent: z.number().optional(),
  /** `YYYY-MM-DD`. */
  effective_date: z.string().optional(),
});
export type FreeFloat = z.output<typeof FreeFloatSchema>;

/** `GET /stocks/vX/float`. */
export const FreeFloatResponseSchema = z.looseObject({
  status: SuccessStatusSchema,
  request_id: RequestIdSchema.optional(),
  next_url: z.string().optional(),
  results: z
    .array(FreeFloatSchema)
    .nullish()
    .transform((r) => r ?? []),
});
export type FreeFloatResponse = z.output<typeof FreeFloatResponseSchema>;

/**
 * `GET /v1/marketstatus/now`. No `status`/`request_id` envelope, and the keys are camelCase. `market` is
 * `"open"`, `"closed"` or `"extended-hours"`, but the vendor does not declare an enum, so it stays a string.
 */
export const MarketStatusNowSchema = z.looseObject({
  market: z.string(),
  /** Pre-market session in progress. */
  earlyHours: z.boolean().optional(),
  /** Post-market session in progress. */
  afterHours: z.boolean().optional(),
  /** RFC 3339 with the New York offset, e.g. `"2022-04-28T16:48:08-04:00"`. */
  serverTime: z.string().optional(),
  exchanges: z
    .looseObject({ nasdaq: z.string().optional(), nyse: z.string().optional(), otc: z.string().optional() })
    .optional(),
  currencies: z.looseObject({ fx: z.string().optional(), crypto: z.string().optional() }).optional(),
  /** Newer than the recorded fixture; each value is a market state string. */
  indicesGroups: z
    .looseObject({
      s_and_p: z.string().optional(),
      societe_generale: z.string().optional(),
      msci: z.string().optional(),
      ftse_russell: z.string().optional(),
      mstar: z.string().optional(),
      mstarc: z.string().optional(),
      cccy: z.string().optional(),
      cgi: z.string().optional(),
      nasdaq: z.string().optional(),
      dow_jones: z.string().optional(),
    })
    .optional(),
});
export type MarketStatusNow = z.output<typeof MarketStatusNowSchema>;

/** One row of `GET /v1/marketstatus/upcoming`: one per exchange per holiday. */
export const MarketHolidaySchema = z.looseObject({
  /** `NYSE`, `NASDAQ`, `OTC`. */
  exchange: z.string(),
  name: z.string().optional(),
  /** `YYYY-MM-DD`, New York calendar date. */
  date: z.string(),
  /** `closed` or `early-close`. */
  status: z.string(),
  /** ISO 8601 UTC, present only on `early-close` rows. */
  open: z.string().optional(),
  /** ISO 8601 UTC, present only on `early-close` rows. */
  close: z.string().optional(),
});
export type MarketHoliday = z.output<typeof MarketHolidaySchema>;

/** `GET /v1/marketstatus/upcoming`: a bare array, no envelope. */
export const MarketHolidaysResponseSchema = z.array(MarketHolidaySchema);
export type MarketHolidaysResponse = z.output<typeof MarketHolidaysResponseSchema>;

/**
 * A vendor error body. Newer endpoints put the text in `error` (`"Unknown API Key"`), older ones in
 * `message` (`"You are not entitled to this data…"`); the Go client models both. Decide on the HTTP code
 * first and on `status` (`ERROR`, `NOT_AUTHORIZED`, `NOT_FOUND`) second: 5xx bodies may be HTML or empty.
 */
export const VendorErrorBodySchema = z.looseObject({
  status: z.string(),
  request_id: RequestIdSchema.optional(),
  error: z.string().optional(),
  message: z.string().optional(),
});
export type VendorErrorBody = z.output<typeof VendorErrorBodySchema>;

/**
 * The human-readable text of a vendor error body (`error`, else `message`), for logs and operator messages.
 * Accepts the parsed body or its raw text; returns undefined for anything else (HTML, empty, no text),
 * since the caller already has the HTTP status to report. Empty strings count as absent.
 */
export function vendorErrorMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { error, message } = value as { error?: unknown; message?: unknown };
  if (typeof error === 'string' && error.trim() !== '') return error;
  if (typeof message === 'string' && message.trim() !== '') return message;
  return undefined;
}
