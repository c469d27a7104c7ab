import { z } from 'zod';
import { ALERT_KINDS } from '../shared/alerts/alert-settings.js';
import { queryAlerts } from '../shared/db/alerts.js';
import type { Queryable } from '../shared/db/database.js';
import { VENDOR_SYMBOL_PATTERN } from '../shared/vendor/snapshot-decoder.js';
import { withDatabase } from './db-errors.js';
import { HttpError, type Handler } from './http.js';

/** Alerts per answer: default and cap. */
export const ALERTS_DEFAULT_LIMIT = 200;
export const ALERTS_MAX_LIMIT = 1000;

/** The query parameters as the OpenAPI document describes them (openapi.ts), beside the schema that checks them. */
export const ALERTS_QUERY_PARAMETERS = [
  {
    name: 'since',
    in: 'query',
    required: false,
    schema: { type: 'string', format: 'date-time' },
    description: 'only alerts strictly after this instant',
  },
  { name: 'symbol', in: 'query', required: false, schema: { type: 'string' } },
  { name: 'kind', in: 'query', required: false, schema: { type: 'string', enum: [...ALERT_KINDS] } },
  {
    name: 'limit',
    in: 'query',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: ALERTS_MAX_LIMIT, default: ALERTS_DEFAULT_LIMIT },
  },
] as const;

/** The query of `GET /api/alerts`, validated: unknown parameters are refused like unknown fields elsewhere. */
const alertsQuerySchema = z
  .object({
    since: z.iso
      .datetime({ offset: true, message: 'since must be an ISO-8601 instant such as 2026-03-02T14:30:00Z' })
      .optional(),
    symbol: z
      .string()
      .transform((s) => s.toUpperCase())
      .refine((s) => VENDOR_SYMBOL_PATTERN.test(s), { message: 'symbol is not a ticker symbol' })
      .optional(),
    kind: z.enum(ALERT_KINDS, { message: `kind must be one of ${ALERT_KINDS.join(', ')}` }).optional(),
    limit: z.coerce
      .number({ message: 'limit must be a number' })
      .int({ message: 'limit must be an integer' })
      .min(1, { message: `limit must be from 1 to ${ALERTS_MAX_LIMIT}` })
      .max(ALERTS_MAX_LIMIT, { message: `limit must be from 1 to ${ALERTS_MAX_LIMIT}` })
      .default(ALERTS_DEFAULT_LIMIT),
  })
  .strict();

/**
 * `GET /api/alerts?since=&symbol=&kind=&limit=` (SPEC §14), from PostgreSQL's `alerts` table: the newest `limit`
 * alerts matching (after `since`, of `symbol`, of `kind`), in publication order, as the messages the stream carried.
 * The table is written through the jobs queue, so the newest alerts appear there a moment after the stream.
 */
export function alertsApi(db: Queryable): { readonly list: Handler } {
  return {
    list: async (req) => {
      const parsed = alertsQuerySchema.safeParse(Object.fromEntries(req.query));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const where = issue.path.length ? String(issue.path[0]) : '';
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown parameter ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (use since, symbol, kind, limit)`
            : issue.message.startsWith(where)
              ? issue.message
              : `${where}: ${issue.message}`;
        throw new HttpError(400, 'bad_request', message);
      }
      const { since, symbol, kind, limit } = parsed.data;
      const alerts = await withDatabase(() =>
        queryAlerts(db, {
          limit,
          ...(since === undefined ? {} : { since: new Date(since) }),
          ...(symbol === undefined ? {} : { symbol }),
          ...(kind === undefined ? {} : { kind }),
        }),
      );
      return { status: 200, body: { alerts } };
    },
  };
}
