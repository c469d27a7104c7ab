import { HttpError } from './http.js';

/**
 * Connection-level failures (server down, restarting, unreachable): the request may succeed later, so they
 * are answered 503, not 500. SQLSTATE classes 08 (connection exception) and 57P (operator intervention).
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH']);

export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P');
}

/** Runs a database call, turning an outage into a 503 the client can retry. */
export async function withDatabase<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      throw new HttpError(503, 'database_unavailable', 'the database is unreachable; retry later');
    }
    throw err;
  }
}
