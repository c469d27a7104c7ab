import { vendorErrorMessage } from './reference-schema.js';
import { VendorPayloadError } from './errors.js';
import { parseRetryAfter } from '../backoff.js';
import { VendorAuthError, VendorHttpError, VendorRateLimitedError } from './errors.js';

/**
 * What one vendor response means: a body, or an error of the right kind and whether another try can help.
 * Keyed on the HTTP status first and the vendor's error body second (docs/vendor.md §7.2).
 */

/** HTTP statuses worth another try: the vendor's gateway or a proxy hiccupped, not our request. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 499]);
/** Characters of a non-JSON error body kept for the message and the log. */
const EXCERPT_CHARS = 200;

export type Attempt =
  | { readonly ok: true; readonly body: unknown }
  | {
      readonly ok: false;
      readonly error: Error;
      readonly retryable: boolean;
      readonly retryAfterMs?: number;
    };

export function classify(what: string, response: Response, text: string): Attempt {
  const { status } = response;
  if (status >= 200 && status < 300) {
    try {
      return { ok: true, body: JSON.parse(text) };
    } catch (cause) {
      const detail = `${describe(cause)}; body starts ${JSON.stringify(text.slice(0, 60))}`;
      return {
        ok: false,
        error: new VendorPayloadError(`${what}: response is not valid JSON`, { detail, cause }),
        retryable: false,
      };
    }
  }
  const vendorMessage = vendorErrorMessage(text);
  const bodyExcerpt = excerpt(text);
  const reason = vendorMessage ?? (bodyExcerpt || response.statusText || 'no body');
  const message = `${what}: HTTP ${status}: ${reason}`;
  if (status === 401 || status === 403) {
    return { ok: false, error: new VendorAuthError(message, { status, vendorMessage }), retryable: false };
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const error = new VendorRateLimitedError(message, { retryAfterMs, vendorMessage });
    return retryAfterMs === undefined
      ? { ok: false, error, retryable: true }
      : { ok: false, error, retryable: true, retryAfterMs };
  }
  const retryable = status >= 500 || RETRYABLE_STATUSES.has(status);
  return {
    ok: false,
    error: new VendorHttpError(message, { status, bodyExcerpt, vendorMessage }),
    retryable,
  };
}

/** Readable text of an error body: tags stripped, whitespace collapsed, cut to a log-friendly length. */
function excerpt(body: string): string {
  const text = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/** undici reports "fetch failed" and hides the useful part (ECONNREFUSED, "other side closed") in `cause`. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${error.message}: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}`;
  }
  return error.message;
}
