import type { z } from 'zod';

/**
 * A vendor (Polygon/Massive) payload that cannot be used: invalid JSON, the wrong top-level shape, or a known
 * key with the wrong type. `path` names the offending key (e.g. `tickers[3].day.c`) so a log line is enough to
 * find it in a recording; `detail` carries the validator's own wording.
 */
export class VendorPayloadError extends Error {
  override readonly name = 'VendorPayloadError';
  readonly path: string | undefined;
  readonly detail: string | undefined;

  constructor(message: string, options: { path?: string; detail?: string; cause?: unknown } = {}) {
    super(options.path ? `${message} at ${options.path}` : message, { cause: options.cause });
    this.path = options.path;
    this.detail = options.detail;
  }
}

/** Renders a zod issue path the way a person would write it in JavaScript: `tickers[3].day.c`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * One line describing why a value failed: the first issue with its path, and how many more there were.
 * The first issue is usually the cause; listing all of them for a 10,000-ticker snapshot would flood the log.
 */
export function describeZodError(error: z.ZodError): { path: string; detail: string } {
  const [first, ...rest] = error.issues;
  if (!first) return { path: '(root)', detail: 'invalid payload' };
  const more = rest.length > 0 ? ` (+${rest.length} more)` : '';
  return { path: formatIssuePath(first.path), detail: `${first.message}${more}` };
}

/**
 * Validates `value` with `schema`, throwing a {@link VendorPayloadError} that names the endpoint (`what`) and
 * the path of the first bad key instead of zod's multi-line dump.
 */
export function parseVendorPayload<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { path, detail } = describeZodError(result.error);
  throw new VendorPayloadError(`invalid ${what}: ${detail}`, { path, detail, cause: result.error });
}
