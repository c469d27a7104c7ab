import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import {
  canonicalScanKey,
  formatScanIssues,
  scanSchema,
  type ScanDefinition,
} from '../scan/scan-definition.js';
import { scanKeyId, type ScanListName } from '../scan/scan-list-names.js';
import type { Keys } from './keys.js';

/*
 * The scan registry (SPEC §13): the set of active scan definitions, written by the gateways (a connection's
 * ephemeral scans, a token's saved scans) and read by the orchestrator, which evaluates each distinct definition
 * once per tick and publishes it as the list `scan:<key>`.
 *
 * Layout, for several gateways and for crashes:
 * - one hash per owner (`keys.scansOwner(owner)`): the owner's own scan id → JSON `{scan, addedAt}`. An owner is
 *   whatever a writer chooses: a gateway instance for its connections' ephemeral scans (e.g. `gw-<uuid>:<conn>`),
 *   or `saved` for the scans kept in PostgreSQL. A leased owner's hash has a TTL its writer refreshes
 *   (refreshLease); a writer that dies stops refreshing and its scans vanish after the lease, with no cleanup
 *   step anyone must remember. An owner without a lease (saved scans) never expires.
 * - a set of owners (`keys.scansOwners`), so the reader finds the hashes without SCAN; an owner whose hash has
 *   expired is removed from it by the reader.
 * - a version counter (`keys.scansVersion`), incremented by every write: the orchestrator GETs it each tick and
 *   reloads only when it moved — and every `reloadMs` regardless, since an expiring lease changes nothing a
 *   writer could increment.
 *
 * Definitions are validated again on read with the one schema (scanSchema): a bad one is counted and skipped,
 * logged once, and never stops a tick. The global cap (SCANS_MAX) counts distinct definitions; beyond it the
 * newest (by `addedAt`) are skipped with a counted reason.
 */

/** What one hash field holds. */
interface StoredScan {
  readonly scan: unknown;
  readonly addedAt: number;
}

export interface PutScanOptions {
  /** The owner's lease: its hash expires this long after the last write or refresh. Omitted: never expires. */
  readonly leaseMs?: number;
  /** When the scan was added (orders scans against the cap: the newest are skipped first). Default now. */
  readonly addedAt?: number;
  /**
   * The hash field, unique within the owner. Default the scan's id; a writer holding several clients' scans under
   * one owner prefixes it with the client (a gateway: `<connection>/<id>`; saved scans: `<token digest>/<id>`).
   */
  readonly field?: string;
}

/** Adds or replaces `owner`'s scan `scan.id` (validated by the caller with parseScan), and bumps the version. */
export async function putScan(
  redis: Redis,
  keys: Keys,
  owner: string,
  scan: ScanDefinition,
  o: PutScanOptions = {},
): Promise<ScanListName> {
  const hash = keys.scansOwner(owner);
  const value: StoredScan = { scan, addedAt: o.addedAt ?? Date.now() };
  const multi = redis
    .multi()
    .hset(hash, o.field ?? scan.id, JSON.stringify(value))
    .sadd(keys.scansOwners, owner);
  if (o.leaseMs !== undefined) multi.pexpire(hash, o.leaseMs);
  else multi.persist(hash);
  await execOrThrow(multi.incr(keys.scansVersion));
  return `scan:${scanKeyId(canonicalScanKey(scan))}`;
}

/** Removes `owner`'s scan at `field` (its id unless put with another field); true when it was there. */
export async function removeScan(redis: Redis, keys: Keys, owner: string, field: string): Promise<boolean> {
  const results = await execOrThrow(
    redis.multi().hdel(keys.scansOwner(owner), field).incr(keys.scansVersion),
  );
  return results[0] === 1;
}

/** One scan of an owner as {@link replaceOwnerScans} writes it. */
export interface OwnedScan {
  readonly field: string;
  readonly scan: ScanDefinition;
  readonly addedAt: number;
}

/**
 * Makes an owner's hash hold exactly `scans` (the saved scans rewritten from PostgreSQL; a gateway's connection
 * scans after its lease lapsed): one MULTI, and nothing written — the version not bumped — when it already does.
 * With `leaseMs` the hash gets that lease (and has it extended even when nothing else is written). Returns
 * whether it wrote the scans.
 */
export async function replaceOwnerScans(
  redis: Redis,
  keys: Keys,
  owner: string,
  scans: readonly OwnedScan[],
  o: { leaseMs?: number } = {},
): Promise<boolean> {
  const hash = keys.scansOwner(owner);
  const wanted = new Map(scans.map((s) => [s.field, JSON.stringify({ scan: s.scan, addedAt: s.addedAt })]));
  const current = await redis.hgetall(hash);
  const same =
    Object.keys(current).length === wanted.size &&
    [...wanted].every(([field, text]) => current[field] === text);
  if (same) {
    if (o.leaseMs !== undefined && wanted.size) await redis.pexpire(hash, o.leaseMs);
    return false;
  }
  const multi = redis.multi().del(hash);
  if (wanted.size) {
    multi.hset(hash, Object.fromEntries(wanted)).sadd(keys.scansOwners, owner);
    if (o.leaseMs !== undefined) multi.pexpire(hash, o.leaseMs);
  } else multi.srem(keys.scansOwners, owner);
  await execOrThrow(multi.incr(keys.scansVersion));
  return true;
}

/** An owner's scans as registered (field → definition), the invalid ones left out. */
export async function readOwnerScans(
  redis: Redis,
  keys: Keys,
  owner: string,
): Promise<Map<string, { scan: ScanDefinition; addedAt: number }>> {
  const out = new Map<string, { scan: ScanDefinition; addedAt: number }>();
  for (const [field, text] of Object.entries(await redis.hgetall(keys.scansOwner(owner)))) {
    const parsed = parseStored(text);
    if (typeof parsed !== 'string') out.set(field, parsed);
  }
  return out;
}

/** Removes every scan of `owner` (a connection closed, a gateway shutting down cleanly). */
export async function removeOwner(redis: Redis, keys: Keys, owner: string): Promise<void> {
  await execOrThrow(
    redis.multi().del(keys.scansOwner(owner)).srem(keys.scansOwners, owner).incr(keys.scansVersion),
  );
}

/**
 * Extends `owner`'s lease by `leaseMs` from now; false when its hash is gone (the lease had already expired, or it
 * held no scan): the writer must put its scans again. It also (re)lists the owner in the owners set: a reader that
 * saw the hash empty an instant before a putScan may have dropped the owner from it, and the next refresh heals
 * that (a dead owner listed this way is dropped again by the next load).
 */
export async function refreshLease(
  redis: Redis,
  keys: Keys,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const [extended] = await execOrThrow(
    redis.multi().pexpire(keys.scansOwner(owner), leaseMs).sadd(keys.scansOwners, owner),
  );
  return extended === 1;
}

type Multi = ReturnType<Redis['multi']>;

async function execOrThrow(multi: Multi): Promise<unknown[]> {
  const results = await multi.exec();
  if (!results) throw new Error('scan registry MULTI aborted');
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0]!;
  return results.map(([, v]) => v);
}

/** One distinct active definition. */
export interface ActiveScan {
  /** `s` + 12 hex of its canonical key (scanKeyId). */
  readonly key: string;
  readonly list: ScanListName;
  /** The first registered definition with this key (id and name are its owner's; they play no part). */
  readonly definition: ScanDefinition;
}

export interface ActiveScans {
  /** Distinct definitions, oldest first (by the first `addedAt` of each), at most the cap. */
  readonly scans: readonly ActiveScan[];
  /** Registered scans (owner, id) in total, valid or not. */
  readonly registered: number;
  /** Skipped: definitions that do not parse, and distinct definitions beyond the cap. */
  readonly invalid: number;
  readonly overCap: number;
}

/** Every owner's scans, validated, deduplicated and capped (see the module comment). */
export async function loadActiveScans(
  redis: Redis,
  keys: Keys,
  max: number,
  onInvalid?: (owner: string, id: string, reason: string) => void,
): Promise<ActiveScans> {
  const owners = (await redis.smembers(keys.scansOwners)).sort();
  const pipeline = redis.pipeline();
  for (const owner of owners) pipeline.hgetall(keys.scansOwner(owner));
  const replies = owners.length ? ((await pipeline.exec()) ?? []) : [];
  const entries: { owner: string; id: string; addedAt: number; scan: ScanDefinition }[] = [];
  const gone: string[] = [];
  let registered = 0;
  let invalid = 0;
  owners.forEach((owner, k) => {
    const [err, hash] = replies[k] ?? [new Error('no reply'), null];
    if (err) throw err;
    const fields = Object.entries(hash as Record<string, string>);
    if (fields.length === 0) gone.push(owner);
    for (const [id, text] of fields) {
      registered++;
      const parsed = parseStored(text);
      if (typeof parsed === 'string') {
        invalid++;
        onInvalid?.(owner, id, parsed);
      } else entries.push({ owner, id, ...parsed });
    }
  });
  // A leased owner that died: its hash expired; forget it (a racing putScan re-adds it in its own MULTI).
  if (gone.length) await redis.srem(keys.scansOwners, ...gone);
  entries.sort((a, b) => a.addedAt - b.addedAt || cmp(a.owner, b.owner) || cmp(a.id, b.id));
  const byKey = new Map<string, ActiveScan>();
  let overCap = 0;
  for (const e of entries) {
    const key = scanKeyId(canonicalScanKey(e.scan));
    if (byKey.has(key)) continue;
    if (byKey.size >= max) {
      overCap++;
      continue;
    }
    byKey.set(key, { key, list: `scan:${key}`, definition: e.scan });
  }
  return { scans: [...byKey.values()], registered, invalid, overCap };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The stored scan, or why it is refused. */
function parseStored(text: string): { scan: ScanDefinition; addedAt: number } | string {
  let value: StoredScan;
  try {
    value = JSON.parse(text) as StoredScan;
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || typeof value.addedAt !== 'number')
    return 'not a {scan, addedAt} record';
  const r = scanSchema.safeParse(value.scan);
  if (!r.success) return formatScanIssues(r.error).join('; ');
  return { scan: r.data, addedAt: value.addedAt };
}

export interface ScanRegistryReaderOptions {
  /** The global cap of distinct definitions (SCANS_MAX). */
  readonly max: number;
  /** Reload at least this often even when the version did not move (expired leases). Default 5 s. */
  readonly reloadMs?: number;
  readonly logger?: Logger;
  /** Wall clock (tests). */
  readonly now?: () => number;
}

/**
 * The orchestrator's side: `poll()` once per tick costs one GET, and reloads the registry when the version moved
 * or `reloadMs` passed. It returns the new active set when the distinct definitions changed, else null.
 */
export class ScanRegistryReader {
  private version: string | null | undefined;
  private loadedAt = -Infinity;
  private signature = '';
  private readonly logged = new Set<string>();
  private readonly reloadMs: number;
  private readonly now: () => number;
  /** The last load's counts (metrics). */
  current: ActiveScans = { scans: [], registered: 0, invalid: 0, overCap: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly o: ScanRegistryReaderOptions,
  ) {
    this.reloadMs = o.reloadMs ?? 5_000;
    this.now = o.now ?? Date.now;
  }

  async poll(): Promise<ActiveScans | null> {
    const version = await this.redis.get(this.keys.scansVersion);
    const now = this.now();
    if (version === this.version && now - this.loadedAt < this.reloadMs) return null;
    const loaded = await loadActiveScans(this.redis, this.keys, this.o.max, (owner, id, reason) => {
      const what = `${owner}\u0000${id}\u0000${reason}`;
      if (this.logged.has(what)) return;
      this.logged.add(what);
      this.o.logger?.error({ owner, id, reason }, 'skipping an invalid registered scan');
    });
    if (loaded.overCap > this.current.overCap)
      this.o.logger?.warn(
        { overCap: loaded.overCap, max: this.o.max },
        'more distinct scans than SCANS_MAX; the newest are not evaluated',
      );
    this.version = version;
    this.loadedAt = now;
    this.current = loaded;
    const signature = JSON.stringify(loaded.scans.map((s) => s.key));
    if (signature === this.signature) return null;
    this.signature = signature;
    return loaded;
  }
}
