import { ListClient } from '../../shared/sdk/list-client.js';

/*
 * The page's two ways to the gateway: the WebSocket (the SDK's ListClient, which reconnects and resyncs by
 * itself) and `/api` over fetch. A token given as `/?token=…` is forwarded to both (`?token=`, since a
 * browser's WebSocket cannot send headers, and the REST routes accept it too).
 */

const token = new URLSearchParams(location.search).get('token') ?? undefined;

export function connect(): ListClient {
  return new ListClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    lists: ['*'],
    ...(token === undefined ? {} : { token }),
  });
}

/** An `/api` answer that was not 2xx, with the gateway's error code (`database_unavailable`, `not_found`…). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    /** The gateway's reason (`message`), or the status when it gave none. */
    readonly reason = `${status} ${code}`,
    /** Every reason of a refused body (`where[0][1].field: unknown field "x"`). */
    readonly details: readonly string[] = [],
  ) {
    super(reason);
  }
}

/** GET `path` (under `/api`) as JSON. */
export const api = <T>(path: string): Promise<T> => apiSend<T>('GET', path);

/** `method` on `path` (under `/api`) with a JSON `body`; the answer's JSON (undefined for a 204). */
export async function apiSend<T>(method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(path, location.origin);
  if (token !== undefined) url.searchParams.set('token', token);
  const res = await fetch(url, {
    method,
    cache: 'no-store',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!res.ok) {
    const e = (await res.json().catch(() => ({}))) as {
      error?: string;
      message?: string;
      details?: string[];
    };
    throw new ApiError(res.status, e.error ?? 'error', e.message, e.details ?? []);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}
