/*
 * Named failures of the vendor feed (REST and WebSocket). Callers branch on the class (`instanceof`), logs
 * print `name`, and each carries what an operator needs to act: the vendor's own wording, the HTTP status,
 * how long to wait. Payload-shape failures are `VendorPayloadError` from shared/vendor/errors.ts.
 */

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
