import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import {
  putScan,
  readOwnerScans,
  removeScan,
  replaceOwnerScans,
  type OwnedScan,
} from '../shared/bus/scan-registry.js';
import type { Queryable } from '../shared/db/database.js';
import { deleteSavedScan, loadSavedScans, saveScan, type SaveScanResult } from '../shared/db/saved-scans.js';
import type { Logger } from '../shared/logger.js';
import { scanSchema, type ScanDefinition } from '../shared/scan/scan-definition.js';
import { liveScanList, type ScanListName } from '../shared/scan/scan-list-names.js';

/** The scan registry's owner of every saved scan (no lease: they live until deleted). */
export const SAVED_SCANS_OWNER = 'saved';

/** How often PostgreSQL is re-read: other gateways' writes, and a Redis that lost the registry, heal within it. */
export const SAVED_SCANS_SYNC_MS = 30_000;

/** A saved scan as the gateway holds it. */
export interface HeldScan {
  readonly definition: ScanDefinition;
  /** The list the orchestrator publishes it as (by its definition's key). */
  readonly list: ScanListName;
  readonly addedAt: number;
}

/** A saved scan's list changed (created, replaced, deleted: undefined) — subscribers follow it. */
export type SavedScanChange = (owner: string, id: string, list: ScanListName | undefined) => void;

export interface SavedScansOptions {
  readonly db: Queryable;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  readonly syncMs?: number;
}

const field = (owner: string, id: string): string => `${owner}/${id}`;

/**
 * The saved scans (SPEC §13, /api/scans) as a gateway holds them: PostgreSQL is the truth (shared/db/saved-scans.ts);
 * this keeps a copy in memory, so a WebSocket `subscribe` to `scan:<id>` resolves at once, and writes every
 * saved scan into the Redis scan registry under {@link SAVED_SCANS_OWNER} (field `<owner>/<id>`), which is what the
 * orchestrator evaluates. At start and every SAVED_SCANS_SYNC_MS the whole table is re-read and the registry
 * owner rewritten when it differs (one MULTI, nothing written when equal): several gateways agree within that
 * period, and a Redis restarted empty gets the saved scans back. With PostgreSQL down at start the copy is read
 * from the registry instead, so the saved scans stay usable.
 */
export class SavedScans {
  private byOwner = new Map<string, Map<string, HeldScan>>();
  private readonly listeners = new Set<SavedScanChange>();
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(private readonly o: SavedScansOptions) {}

  async start(): Promise<void> {
    try {
      await this.sync();
    } catch (err) {
      this.o.logger.warn({ err }, 'saved scans not read from PostgreSQL; using the registry copy');
      await this.loadFromRegistry().catch((e: unknown) =>
        this.o.logger.warn({ err: e }, 'saved scans not read from the registry either'),
      );
    }
    this.timer = setInterval(() => {
      this.sync().catch((err: unknown) => this.o.logger.warn({ err }, 'saved scans sync failed; retrying'));
    }, this.o.syncMs ?? SAVED_SCANS_SYNC_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  onChange(listener: SavedScanChange): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(owner: string, id: string): HeldScan | undefined {
    return this.byOwner.get(owner)?.get(id);
  }

  /** Every token's saved scans held (metrics). */
  get size(): number {
    let n = 0;
    for (const scans of this.byOwner.values()) n += scans.size;
    return n;
  }

  count(owner: string): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  /**
   * Saves `owner`'s scan in PostgreSQL (at most `limit` scans for the owner), then in the registry. Null when
   * `createOnly` and the id exists. Throws SavedScanLimitError past the limit.
   */
  async save(
    owner: string,
    definition: ScanDefinition,
    limit: number,
    o: { createOnly?: boolean } = {},
  ): Promise<SaveScanResult | null> {
    const saved = await saveScan(this.o.db, owner, definition, limit, o);
    if (saved === null) return null;
    const held = { definition, list: liveScanList(definition), addedAt: Date.parse(saved.scan.createdAt) };
    this.set(owner, definition.id, held);
    await this.registryWrite(() =>
      putScan(this.o.redis, this.o.keys, SAVED_SCANS_OWNER, definition, {
        field: field(owner, definition.id),
        addedAt: held.addedAt,
      }),
    );
    return saved;
  }

  /** true when it was there. */
  async remove(owner: string, id: string): Promise<boolean> {
    const removed = await deleteSavedScan(this.o.db, owner, id);
    this.set(owner, id, undefined);
    await this.registryWrite(() =>
      removeScan(this.o.redis, this.o.keys, SAVED_SCANS_OWNER, field(owner, id)),
    );
    return removed;
  }

  /** PostgreSQL has the change: a registry that cannot take it now gets it from the next sync. */
  private async registryWrite(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.o.logger.warn({ err }, 'saved scan not written into the scan registry; the next sync writes it');
    }
  }

  /** Re-reads the table and rewrites the registry owner when it differs; one at a time. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const next = new Map<string, Map<string, HeldScan>>();
    const owned: OwnedScan[] = [];
    for (const row of await loadSavedScans(this.o.db)) {
      const parsed = scanSchema.safeParse(row.definition);
      if (!parsed.success) {
        // Written through the schema, so only a schema change can do this: the row stays, unserved.
        this.o.logger.error({ owner: row.owner, id: row.id }, 'a saved scan no longer parses; skipped');
        continue;
      }
      const held = {
        definition: parsed.data,
        list: liveScanList(parsed.data),
        addedAt: Date.parse(row.createdAt),
      };
      ownerMap(next, row.owner).set(row.id, held);
      owned.push({ field: field(row.owner, row.id), scan: parsed.data, addedAt: held.addedAt });
    }
    if (await replaceOwnerScans(this.o.redis, this.o.keys, SAVED_SCANS_OWNER, owned))
      this.o.logger.info({ scans: owned.length }, 'saved scans written into the scan registry');
    this.replaceAll(next);
  }

  private async loadFromRegistry(): Promise<void> {
    const next = new Map<string, Map<string, HeldScan>>();
    for (const [f, { scan, addedAt }] of await readOwnerScans(this.o.redis, this.o.keys, SAVED_SCANS_OWNER)) {
      const slash = f.indexOf('/');
      if (slash > 0)
        ownerMap(next, f.slice(0, slash)).set(scan.id, {
          definition: scan,
          list: liveScanList(scan),
          addedAt,
        });
    }
    this.replaceAll(next);
  }

  /** Takes `next` as the whole copy, telling the listeners what changed. */
  private replaceAll(next: Map<string, Map<string, HeldScan>>): void {
    const before = this.byOwner;
    this.byOwner = next;
    for (const [owner, scans] of next)
      for (const [id, held] of scans)
        if (before.get(owner)?.get(id)?.list !== held.list) this.emit(owner, id, held.list);
    for (const [owner, scans] of before)
      for (const id of scans.keys()) if (!next.get(owner)?.has(id)) this.emit(owner, id, undefined);
  }

  private set(owner: string, id: string, held: HeldScan | undefined): void {
    const before = this.get(owner, id)?.list;
    if (held) ownerMap(this.byOwner, owner).set(id, held);
    else this.byOwner.get(owner)?.delete(id);
    if (before !== held?.list) this.emit(owner, id, held?.list);
  }

  private emit(owner: string, id: string, list: ScanListName | undefined): void {
    for (const l of this.listeners) l(owner, id, list);
  }
}

function ownerMap(m: Map<string, Map<string, HeldScan>>, owner: string): Map<string, HeldScan> {
  let scans = m.get(owner);
  if (!scans) m.set(owner, (scans = new Map<string, HeldScan>()));
  return scans;
}
