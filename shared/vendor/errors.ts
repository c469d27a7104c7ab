import type { z } from 'zod';

/*
 * Named failures of the vendor (Polygon/Massive), REST and WebSocket. Callers branch on the class
 * (`instanceof`), logs print `name`, and each carries what an operator needs to act: the vendor's own wording,
 * the HTTP status, how long to wait, or the path of the bad key in a payload.
 */

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

/**
 * The vendor refused the key: HTTP 401/403 or the WebSocket `auth_failed` status. Fatal — retrying cannot
 * help and may get the key flagged — so the poller and the WebSocket client stop and report it.
 */
export class VendorAuthError extends Error {
  override readonly name = 'VendorAuthError';
  /** HTTP status, or undefined for a WebSocket `auth_failed`. */
  readonly status: number | undefined;
  /** The vendor's text (`"Unknown API Key"`, `"authentication failed"`, `"You are not entitled…"`). */
  readonly vendorMessage: string | undefined;

  constructor(message: string, options: { status?: number; vendorMessage?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.vendorMessage = options.vendorMessage;
  }
}

/**
 * What a VendorAuthError means, for logs: a 403 is the plan (the key is valid, this data is not in it; a new
 * key will not help, an upgrade will), anything else (401, WebSocket `auth_failed`) is the key itself.
 */
export function authFailureSummary(error: VendorAuthError): string {
  return error.status === 403 ? 'not entitled to this data (plan)' : 'API key refused';
}

/** HTTP 429 that outlasted the retries (or asked for a longer wait than the client accepts). */
export class VendorRateLimitedError extends Error {
  override readonly name = 'VendorRateLimitedError';
  readonly status = 429;
  /** From `Retry-After` (seconds or HTTP date), when the vendor sent one. */
  readonly retryAfterMs: number | undefined;
  readonly vendorMessage: string | undefined;

  constructor(message: string, options: { retryAfterMs?: number; vendorMessage?: string } = {}) {
    super(message);
    this.retryAfterMs = options.retryAfterMs;
    this.vendorMessage = options.vendorMessage;
  }
}

/** Any other non-2xx answer (404, 400, 5xx after the retries). `bodyExcerpt` is readable text, HTML stripped. */
export class VendorHttpError extends Error {
  override readonly name = 'VendorHttpError';
  readonly status: number;
  readonly bodyExcerpt: string;
  readonly vendorMessage: string | undefined;

  constructor(message: string, options: { status: number; bodyExcerpt: string; vendorMessage?: string }) {
    super(message);
    this.status = options.status;
    this.bodyExcerpt = options.bodyExcerpt;
    this.vendorMessage = options.vendorMessage;
  }
}

/** No complete response within the per-request timeout (headers and body both count). */
export class VendorTimeoutError extends Error {
  override readonly name = 'VendorTimeoutError';
  readonly timeoutMs: number;

  constructor(message: string, options: { timeoutMs: number }) {
    super(message);
    this.timeoutMs = options.timeoutMs;
  }
}

/** The request never got an HTTP answer (refused, reset, DNS) even after the retries. */
export class VendorNetworkError extends Error {
  override readonly name = 'VendorNetworkError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/**
 * The vendor keeps answering but the data does not move: the newest `updated` across the snapshot has not
 * advanced for `polls` consecutive polls during a session. Reported, never thrown out of the poll loop.
 */
export class VendorStaleDataError extends Error {
  override readonly name = 'VendorStaleDataError';
  readonly polls: number;
  /** Newest row `updated`, in epoch **milliseconds** (the vendor sends ns); undefined when no row had one. */
  readonly lastUpdatedMs: number | undefined;

  constructor(message: string, options: { polls: number; lastUpdatedMs: number | undefined }) {
    super(message);
    this.polls = options.polls;
    this.lastUpdatedMs = options.lastUpdatedMs;
  }
}
