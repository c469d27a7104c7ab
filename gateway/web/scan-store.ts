import { apiSend } from './connection.js';
import type { ScanDefinition } from './scan-form.js';

/*
 * Where the page's own scans live. Saved scans are the token's, in the gateway (`/api/scans`, PostgreSQL): they
 * are subscribed to as `scan:<id>` from any browser. Scans kept "for this session" are defined on the WebSocket
 * only (gone when the connection is); the page keeps their definitions in sessionStorage, so that a reload of
 * the same tab defines them again, and closing the tab forgets them.
 */

/** A scan as the page lists it. */
export interface KnownScan {
  readonly id: string;
  readonly name: string;
  readonly definition: Readonly<Record<string, unknown>>;
  readonly saved: boolean;
}

interface SavedView {
  readonly id: string;
  readonly scan: Readonly<Record<string, unknown>>;
}

const SESSION_KEY = 'open-scanner.session-scans.v1';

const known = (definition: Readonly<Record<string, unknown>>, saved: boolean): KnownScan => ({
  id: String(definition.id),
  name: typeof definition.name === 'string' ? definition.name : '',
  definition,
  saved,
});

/** The token's saved scans (GET /api/scans). */
export async function listSavedScans(): Promise<KnownScan[]> {
  const r = await apiSend<{ scans: readonly SavedView[] }>('GET', '/api/scans');
  return r.scans.map((s) => known({ ...s.scan, id: s.id }, true));
}

/** Saves (creates or replaces) a scan for the token: PUT /api/scans/:id. Throws ApiError with the reasons. */
export async function saveScan(def: ScanDefinition): Promise<KnownScan> {
  const r = await apiSend<SavedView>('PUT', `/api/scans/${encodeURIComponent(def.id)}`, def);
  return known({ ...r.scan, id: r.id }, true);
}

export async function deleteSavedScan(id: string): Promise<void> {
  await apiSend('DELETE', `/api/scans/${encodeURIComponent(id)}`);
}

/** The session's scans, each definition checked only for an id (the gateway judges the rest). */
export function loadSessionScans(storage: Pick<Storage, 'getItem'>): KnownScan[] {
  try {
    const v: unknown = JSON.parse(storage.getItem(SESSION_KEY) ?? '[]');
    return (Array.isArray(v) ? (v as unknown[]) : [])
      .filter(
        (d): d is Record<string, unknown> =>
          typeof d === 'object' && d !== null && typeof (d as { id?: unknown }).id === 'string',
      )
      .map((d) => known(d, false));
  } catch {
    return []; // unreadable, or storage refused: nothing kept
  }
}

export function storeSessionScans(storage: Pick<Storage, 'setItem'>, scans: readonly KnownScan[]): void {
  try {
    storage.setItem(SESSION_KEY, JSON.stringify(scans.map((s) => s.definition)));
  } catch {
    // Storage refused: the scans still live on this connection.
  }
}
