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

/** An `/api` answer that was not 200, with the gateway's error code (`database_unavailable`, `not_found`…). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`${status} ${code}`);
  }
}

/** GET `path` (under `/api`) as JSON. */
export async function api<T>(path: string): Promise<T> {
  const url = new URL(path, location.origin);
  if (token !== undefined) url.searchParams.set('token', token);
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new ApiError(res.status, body.error ?? 'error');
  }
  return (await res.json()) as T;
}
