import {
  VendorHttpError,
  VendorNetworkError,
  VendorRateLimitedError,
  VendorTimeoutError,
} from '../shared/vendor/errors.js';
import { VendorPayloadError } from '../shared/vendor/errors.js';
import { InvalidBarError } from './volume-slots.js';

/**
 * Failures that concern one symbol and must not stop a reference job's other symbols: the vendor has no
 * such ticker or date (404), kept failing for it (5xx, timeouts, 429 after the client's own retries), or
 * sent data that does not parse. A refused key (VendorAuthError) and anything else — the database, a bug —
 * are not in the list: they would fail every symbol the same way, so they stop the run.
 */
export function isSymbolFailure(err: unknown): boolean {
  return (
    err instanceof VendorHttpError ||
    err instanceof VendorPayloadError ||
    err instanceof VendorRateLimitedError ||
    err instanceof VendorTimeoutError ||
    err instanceof VendorNetworkError ||
    err instanceof InvalidBarError
  );
}

/** `Name: message`, for failure lists and logs. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
