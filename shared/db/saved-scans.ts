import type { ScanDefinition } from '../scan/scan-definition.js';
import type { Queryable } from './database.js';

/*
 * Saved user-defined scans (SPEC §13), table `saved_scans` (migration 0005): one row per (owner, id), the owner
 * being the digest of a token (savedScanOwner). The per-owner cap (SCANS_PER_TOKEN) is enforced here, under a
 * transaction-scoped advisory lock on the owner, so two concurrent creates cannot both pass it.
 */

export interface SavedScan {
  readonly owner: string;
  readonly id: string;
  /** As stored: validated by the caller with the scan schema on write, and again by every reader. */
  readonly definition: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Saving would take the owner past its cap. */
export class SavedScanLimitError extends Error {
  override readonly name = 'SavedScanLimitError';
  constructor(readonly limit: number) {
    super(`the owner already holds ${limit} saved scans`);
  }
}

const COLUMNS = `owner, id, definition,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"`;

/** Every saved scan of every owner, by owner and id (the gateways' registry sync). */
export async function loadSavedScans(db: Queryable): Promise<SavedScan[]> {
  return db.any<SavedScan>(`SELECT ${COLUMNS} FROM saved_scans ORDER BY owner, id`);
}

/** One owner's saved scans, by id. */
export async function listSavedScans(db: Queryable, owner: string): Promise<SavedScan[]> {
  return db.any<SavedScan>(`SELECT ${COLUMNS} FROM saved_scans WHERE owner = $1 ORDER BY id`, [owner]);
}

export async function findSavedScan(db: Queryable, owner: string, id: string): Promise<SavedScan | null> {
  return db.oneOrNone<SavedScan>(`SELECT ${COLUMNS} FROM saved_scans WHERE owner = $1 AND id = $2`, [
    owner,
    id,
  ]);
}

export interface SaveScanResult {
  readonly scan: SavedScan;
  /** false when it replaced the owner's scan with the same id. */
  readonly created: boolean;
}

/**
 * Creates or replaces `owner`'s scan `definition.id`. A create past `limit` scans throws SavedScanLimitError; a
 * replace never counts against it. With `createOnly`, an existing id is left alone and null is returned.
 */
export async function saveScan(
  db: Queryable,
  owner: string,
  definition: ScanDefinition,
  limit: number,
  o: { createOnly?: boolean } = {},
): Promise<SaveScanResult | null> {
  return db.tx('save-scan', async (t) => {
    await t.one('SELECT pg_advisory_xact_lock(hashtext($1))', ['saved_scans:' + owner]);
    const existing = await t.oneOrNone<{ id: string }>(
      'SELECT id FROM saved_scans WHERE owner = $1 AND id = $2',
      [owner, definition.id],
    );
    if (existing && o.createOnly) return null;
    if (!existing) {
      const { count } = await t.one<{ count: number }>(
        'SELECT count(*)::int AS count FROM saved_scans WHERE owner = $1',
        [owner],
      );
      if (count >= limit) throw new SavedScanLimitError(limit);
    }
    const scan = await t.one<SavedScan>(
      `INSERT INTO saved_scans (owner, id, definition) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (owner, id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()
       RETURNING ${COLUMNS}`,
      [owner, definition.id, JSON.stringify(definition)],
    );
    return { scan, created: !existing };
  });
}

/** true when the scan was there. */
export async function deleteSavedScan(db: Queryable, owner: string, id: string): Promise<boolean> {
  const r = await db.result('DELETE FROM saved_scans WHERE owner = $1 AND id = $2', [owner, id]);
  return r.rowCount > 0;
}
