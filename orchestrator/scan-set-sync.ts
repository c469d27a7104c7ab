import type { Redis } from 'ioredis';
import type { Keys } from '../shared/bus/keys.js';
import { readScanListSnapshots, storedScanLists } from '../shared/bus/scan-list-snapshots.js';
import type { ScanRegistryReader } from '../shared/bus/scan-registry.js';
import type { ScanEngine } from '../shared/scan/engine.js';
import type { ScanListName } from '../shared/scan/scan-list-names.js';

/**
 * How long a scan list that left the registry keeps its sequence (in memory and its stored snapshot). A scan
 * re-added within it — a client reconnecting, a gateway restarting and putting its connections' scans again —
 * continues its sequence, so clients that kept the list see deltas instead of a reset. After it the stored
 * snapshot is deleted (ephemeral definitions come and go; the hash must not keep every one ever seen), and a
 * definition registered again later starts over with a snapshot at seq 1, which a client applies as a reset.
 */
export const SCAN_LIST_GRACE_MS = 10 * 60_000;

/** What the tick's publish must also do: the scan lists whose grace ended (their snapshots deleted). */
export interface ScanSetChange {
  readonly expired: readonly ScanListName[];
}

/**
 * Keeps the engine's scan set in step with the registry, once per tick before the kernel: polls the registry (one
 * GET unless it changed), gives the engine the new set, and restores from Redis the sequence of every active scan
 * list the engine does not hold yet (new to this process, or after a reconcile), so that it continues at seq + 1.
 */
export class ScanSetSync {
  private readonly active = new Set<ScanListName>();
  /** Scan lists no longer registered → when they left (wall clock). */
  private readonly leaving = new Map<ScanListName, number>();
  private started = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly reader: ScanRegistryReader,
    private readonly engine: ScanEngine,
    private readonly graceMs = SCAN_LIST_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Distinct scans evaluated, and registered ones skipped (invalid or over the cap), for the metrics. */
  get figures(): { scansActive: number; scansSkipped: number } {
    const c = this.reader.current;
    return { scansActive: c.scans.length, scansSkipped: c.invalid + c.overCap };
  }

  async beforeTick(): Promise<ScanSetChange> {
    const now = this.now();
    const loaded = await this.reader.poll();
    if (!this.started) {
      this.started = true;
      // Scan lists stored by an earlier run and not registered now start their grace period here.
      for (const list of await storedScanLists(this.redis, this.keys)) this.leaving.set(list, now);
    }
    if (loaded) {
      const next = new Set(loaded.scans.map((s) => s.list));
      for (const list of this.active) if (!next.has(list)) this.leaving.set(list, now);
      for (const list of next) this.leaving.delete(list);
      this.active.clear();
      for (const list of next) this.active.add(list);
      this.engine.setScans(
        loaded.scans.map((s) => s.definition),
        loaded.scans.map((s) => s.list),
      );
    }
    const sequencer = this.engine.scanLists;
    const unknown = [...this.active].filter((l) => !sequencer.has(l));
    if (unknown.length) {
      const stored = await readScanListSnapshots(this.redis, this.keys, unknown);
      for (const list of unknown) sequencer.restore(list, stored.get(list));
    }
    const expired: ScanListName[] = [];
    for (const [list, since] of this.leaving) {
      if (now - since < this.graceMs) continue;
      expired.push(list);
      this.leaving.delete(list);
      sequencer.forget(list);
    }
    return { expired };
  }
}
