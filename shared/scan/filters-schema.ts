import { z } from 'zod';
import { SESSIONS } from './sessions.js';

/**
 * A scanner filter (SPEC §4). Every entry point (REST API, database load, replay file) validates with
 * this schema, so an invalid filter is rejected whole with a message naming the bad field; it is never
 * half-applied. Unknown parameters are an error rather than silently ignored: a typo such as `minPirce`
 * would otherwise pass every ticker.
 */
const bound = z.number().finite();

type BoundName = `min${string}` | `max${string}`;

/**
 * Every metric with both a min and a max parameter. Listed explicitly (and checked against the schema by
 * filters.test.ts) so that a new pair added to the schema without being listed here fails a test.
 */
export const BOUND_PAIRS = [
  ['minRvol', 'maxRvol'],
  ['minPrice', 'maxPrice'],
  ['minVolume', 'maxVolume'],
  ['minChangePercent', 'maxChangePercent'],
  ['minGapFromOpen', 'maxGapFromOpen'],
  ['minMarketCap', 'maxMarketCap'],
  ['minFloat', 'maxFloat'],
] as const satisfies readonly (readonly [BoundName, BoundName])[];

export const filterParametersSchema = z
  .object({
    minRvol: bound,
    maxRvol: bound,
    minRvolSlot: bound,
    minPrice: bound,
    maxPrice: bound,
    minVolume: bound,
    maxVolume: bound,
    minChangePercent: bound,
    maxChangePercent: bound,
    minGapFromOpen: bound,
    maxGapFromOpen: bound,
    minMarketCap: bound,
    maxMarketCap: bound,
    minFloat: bound,
    maxFloat: bound,
    minDollarVolume: bound,
    sectors: z.array(z.string().min(1)),
    industries: z.array(z.string().min(1)),
    exchanges: z.array(z.string().min(1)),
    excludeEtf: z.boolean(),
  })
  .partial()
  .strict()
  .superRefine((parameters, ctx) => {
    for (const [min, max] of BOUND_PAIRS) {
      const low = parameters[min];
      const high = parameters[max];
      // Bounds are inclusive (min == max selects one value), so only min > max is impossible; such a filter
      // would match nothing and silently empty every list (SPEC §4 fix), so it is refused at the door.
      if (low !== undefined && high !== undefined && low > high) {
        ctx.addIssue({
          code: 'custom',
          message: `${min} ${low} is above ${max} ${high}: no ticker can match`,
          path: [min],
        });
      }
    }
  });

export const filterSchema = z
  .object({
    id: z.number().int().nonnegative(),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).default(''),
    enabled: z.boolean().default(true),
    priority: z.number().int().default(0),
    sessions: z.array(z.enum(SESSIONS)).default([]),
    parameters: filterParametersSchema.default({}),
  })
  .strict();

export const filterListSchema = z.array(filterSchema).superRefine((filters, ctx) => {
  const seen = new Set<number>();
  filters.forEach((f, i) => {
    if (seen.has(f.id))
      ctx.addIssue({ code: 'custom', message: `duplicate filter id ${f.id}`, path: [i, 'id'] });
    seen.add(f.id);
  });
});

export type FilterParameters = z.infer<typeof filterParametersSchema>;
export type ScannerFilter = z.infer<typeof filterSchema>;
/** What a caller may send: defaults (enabled, priority, sessions, parameters) filled in by the schema. */
export type ScannerFilterInput = z.input<typeof filterSchema>;

/** A filter that failed validation; `issues` is the readable list of what is wrong and where. */
export class InvalidFilterError extends Error {
  override readonly name = 'InvalidFilterError';
  constructor(
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid filter ${where}: ${issues.join('; ')}`);
  }
}

/** Renders zod issues as `path: message` strings, the form every validation error of the product uses. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** Parses one filter or throws {@link InvalidFilterError}. */
export function parseFilter(value: unknown, where = ''): ScannerFilter {
  const r = filterSchema.safeParse(value);
  if (!r.success) throw new InvalidFilterError(where, formatIssues(r.error));
  return r.data;
}

/** Parses a list of filters (all or nothing) or throws {@link InvalidFilterError}. */
export function parseFilterList(value: unknown, where = ''): ScannerFilter[] {
  const r = filterListSchema.safeParse(value);
  if (!r.success) throw new InvalidFilterError(where, formatIssues(r.error));
  return r.data;
}
