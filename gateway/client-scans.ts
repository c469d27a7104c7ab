import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import {
  loadActiveScans,
  putScan,
  refreshLease,
  removeOwner,
  removeScan,
  replaceOwnerScans,
} from '../shared/bus/scan-registry.js';
import type { Logger } from '../shared/logger.js';
import {
  canonicalScanKey,
  formatScanIssues,
  scanSchema,
  type ScanDefinition,
} from '../shared/scan/scan-definition.js';
import { liveScanList, scanKeyId, type ScanListName } from '../shared/scan/scan-list-names.js';
import type { ClientState } from './client-connections.js';
import type { SavedScans } from './saved-scans.js';
import { limitMessage } from './scans-api.js';

/**
 * Lease of this gateway's owner in the scan registry: a gateway that dies stops refreshing it and its clients'
 * scans leave the registry within this time, with nothing to clean up.
 */
export const EPHEMERAL_LEASE_MS = 30_000;
/** Refreshed three times a lease, so one slow Redis round trip never lets it lapse. */
const REFRESH_MS = EPHEMERAL_LEASE_MS / 3;
/** How often the distinct scans of every gateway are counted for the SCANS_MAX check. */
const ACTIVE_RELOAD_MS = 5_000;

export interface ClientScansOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** SCANS_PER_TOKEN: saved scans and scans on this gateway's open connections, per token. */
  readonly perToken: number;
  /** SCANS_MAX: distinct definitions evaluated, all gateways together. */
  readonly maxDistinct: number;
  readonly saved: SavedScans;
}

export type DefineResult =
  { readonly ok: true; readonly list: ScanListName } | { readonly ok: false; readonly message: string };

/** One connection's scan as this gateway registered it. */
interface Registered {
  readonly field: string;
  readonly definition: ScanDefinition;
  readonly addedAt: number;
}

/**
 * The scans clients define on their WebSocket connection (SPEC §13: `{"op":"scan"}`, ephemeral: they die with
 * the connection). Each is validated with the one scan schema, counted against its token's SCANS_PER_TOKEN and
 * the global SCANS_MAX, and written into the scan registry under this gateway's leased owner (field
 * `<connection>/<id>`). Resolving `scan:<id>` for a client looks at its connection's scans first, then its
 * token's saved scans.
 *
 * Redis being unreachable never fails an op: the client's state is kept here and the refresh loop writes it
 * again when the lease turns out to have lapsed (a Redis restarted empty, a long partition).
 */
export class ClientScans {
  /** This gateway's owner in the registry. */
  readonly owner = `gw-${randomUUID()}`;
  private readonly registered = new Map<string, Registered>();
  private readonly perOwner = new Map<string, number>();
  private active = new Set<string>();
  /** A registry write failed: the next refresh rewrites this gateway's owner whole. */
  private dirty = false;
  private refresher: NodeJS.Timeout | undefined;
  private activeLoader: NodeJS.Timeout | undefined;

  constructor(private readonly o: ClientScansOptions) {}

  async start(): Promise<void> {
    await this.loadActive().catch((err: unknown) =>
      this.o.logger.warn({ err }, 'active scans not counted yet; retrying'),
    );
    this.refresher = setInterval(() => void this.refresh(), REFRESH_MS);
    this.activeLoader = setInterval(
      () =>
        void this.loadActive().catch((err: unknown) =>
          this.o.logger.warn({ err }, 'counting the active scans failed; retrying'),
        ),
      ACTIVE_RELOAD_MS,
    );
    this.refresher.unref();
    this.activeLoader.unref();
  }

  /** Clean shutdown: this gateway's scans leave the registry now rather than at the lease's end. */
  async stop(): Promise<void> {
    clearInterval(this.refresher);
    clearInterval(this.activeLoader);
    await removeOwner(this.o.redis, this.o.keys, this.owner).catch((err: unknown) =>
      this.o.logger.warn({ err }, 'scans not removed from the registry; their lease ends them'),
    );
  }

  /** Scans defined on this gateway's open connections (metrics). */
  get size(): number {
    return this.registered.size;
  }

  /** Scans defined on this gateway's open connections for `owner`'s token. */
  ephemeralCount(owner: string): number {
    return this.perOwner.get(owner) ?? 0;
  }

  /** `{"op":"scan","id","scan"}`: defines or replaces the connection's scan `id`. */
  define(client: ClientState, id: string, raw: unknown): DefineResult {
    const body = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : undefined;
    if (body === undefined) return { ok: false, message: 'scan: must be an object (a scan definition)' };
    if ('id' in body && body.id !== id)
      return {
        ok: false,
        message: `scan.id: ${JSON.stringify(body.id)} is not the op's id ${JSON.stringify(id)}`,
      };
    const parsed = scanSchema.safeParse({ ...body, id });
    if (!parsed.success)
      return {
        ok: false,
        message: formatScanIssues(parsed.error)
          .map((m) => `scan.${m}`)
          .join('; '),
      };
    const definition = parsed.data;
    const replacing = client.scans.has(id);
    const held = this.ephemeralCount(client.owner) + this.o.saved.count(client.owner);
    if (!replacing && held >= this.o.perToken) return { ok: false, message: limitMessage(this.o.perToken) };
    const key = scanKeyId(canonicalScanKey(definition));
    if (!this.active.has(key) && this.active.size >= this.o.maxDistinct)
      return {
        ok: false,
        message: `the scanner already evaluates ${this.o.maxDistinct} distinct scans (SCANS_MAX); use an existing one or retry later`,
      };
    const list = liveScanList(definition);
    this.active.add(key);
    client.scans.set(id, list);
    if (!replacing) this.perOwner.set(client.owner, this.ephemeralCount(client.owner) + 1);
    const reg: Registered = { field: `${client.id}/${id}`, definition, addedAt: Date.now() };
    this.registered.set(reg.field, reg);
    this.put(reg);
    return { ok: true, list };
  }

  /** `{"op":"unscan","id"}`: false when the connection has no scan `id`. */
  undefine(client: ClientState, id: string): boolean {
    if (!client.scans.delete(id)) return false;
    this.forget(client.owner, `${client.id}/${id}`);
    return true;
  }

  /** The connection closed: its scans go. */
  closed(client: ClientState): void {
    for (const id of client.scans.keys()) this.forget(client.owner, `${client.id}/${id}`);
    client.scans.clear();
  }

  /** The list a client means by `scan:<id>`: its connection's scan `id`, else its token's saved scan `id`. */
  resolve(client: ClientState, name: ScanListName): ScanListName | undefined {
    const id = name.slice('scan:'.length);
    return client.scans.get(id) ?? this.o.saved.get(client.owner, id)?.list;
  }

  private forget(owner: string, field: string): void {
    this.registered.delete(field);
    const n = this.ephemeralCount(owner) - 1;
    if (n > 0) this.perOwner.set(owner, n);
    else this.perOwner.delete(owner);
    removeScan(this.o.redis, this.o.keys, this.owner, field).catch((err: unknown) => {
      this.dirty = true;
      this.o.logger.warn(
        { err, field },
        'scan not removed from the registry; the next refresh rewrites the owner',
      );
    });
  }

  private put(reg: Registered): void {
    putScan(this.o.redis, this.o.keys, this.owner, reg.definition, {
      field: reg.field,
      addedAt: reg.addedAt,
      leaseMs: EPHEMERAL_LEASE_MS,
    }).catch((err: unknown) => {
      this.dirty = true;
      this.o.logger.warn({ err, field: reg.field }, 'scan not registered yet; the next refresh retries');
    });
  }

  /** Extends the lease; when it had lapsed (or a write failed), writes every scan again. */
  private async refresh(): Promise<void> {
    try {
      const alive = await refreshLease(this.o.redis, this.o.keys, this.owner, EPHEMERAL_LEASE_MS);
      if (alive && !this.dirty) return;
      if (!alive && this.registered.size === 0 && !this.dirty) return;
      this.dirty = false;
      const scans = [...this.registered.values()].map((r) => ({ ...r, scan: r.definition }));
      await replaceOwnerScans(this.o.redis, this.o.keys, this.owner, scans, { leaseMs: EPHEMERAL_LEASE_MS });
      this.o.logger.info({ scans: scans.length }, 'connection scans written into the scan registry again');
    } catch (err) {
      this.dirty = true;
      this.o.logger.warn({ err }, 'scan registry lease not refreshed; retrying');
    }
  }

  private async loadActive(): Promise<void> {
    const { scans } = await loadActiveScans(this.o.redis, this.o.keys, Number.MAX_SAFE_INTEGER);
    const active = new Set(scans.map((s) => s.key));
    // Keys defined here since the load started are kept (the next load sees them in the registry).
    for (const reg of this.registered.values()) active.add(scanKeyId(canonicalScanKey(reg.definition)));
    this.active = active;
  }
}
