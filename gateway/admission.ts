/*
 * Admission of WebSocket upgrades per client address (SPEC §8): one address may hold at most
 * `maxConnectionsPerIp` open connections and open at most `maxUpgradesPerSecond` per second. Without it, one
 * host opening thousands of sockets (5,000 in 2.3 s were measured) took the gateway's memory and event loop
 * from everyone else. Behind a reverse proxy every client shares the proxy's address: raise the caps there.
 *
 * This module only decides and counts; client-connections.ts reads the address and writes the refusal.
 */

/** Why an upgrade was refused (the `reason` label of `scanner_gateway_refused_upgrades_total`). */
export type AdmissionRefusal = 'connections_per_ip' | 'upgrade_rate';
export type AdmissionDecision = 'admit' | AdmissionRefusal;

export interface AdmissionLimits {
  readonly maxConnectionsPerIp: number;
  readonly maxUpgradesPerSecond: number;
}

const RATE_WINDOW_MS = 1000;

interface AddressState {
  open: number;
  windowStart: number;
  upgrades: number;
}

/**
 * Per-address connection counts and upgrade windows. An address's entry goes away once it has no connection
 * and its window has passed ({@link prune}), so the map is bounded by the addresses currently active.
 */
export class Admission {
  private readonly addresses = new Map<string, AddressState>();

  constructor(private readonly limits: AdmissionLimits) {}

  /**
   * An upgrade from `address` at `now`: 'admit' (counted as open until {@link release}) or why it is refused.
   * A refused upgrade still uses the window, so hammering does not wear the limit down.
   */
  admit(address: string, now: number): AdmissionDecision {
    let s = this.addresses.get(address);
    if (!s) {
      s = { open: 0, windowStart: now, upgrades: 0 };
      this.addresses.set(address, s);
    }
    if (now - s.windowStart >= RATE_WINDOW_MS) {
      s.windowStart = now;
      s.upgrades = 0;
    }
    s.upgrades++;
    if (s.upgrades > this.limits.maxUpgradesPerSecond) return 'upgrade_rate';
    if (s.open >= this.limits.maxConnectionsPerIp) return 'connections_per_ip';
    s.open++;
    return 'admit';
  }

  /** An admitted connection from `address` closed (or never opened). */
  release(address: string): void {
    const s = this.addresses.get(address);
    if (s && s.open > 0) s.open--;
  }

  /** Open connections admitted for `address`. */
  connections(address: string): number {
    return this.addresses.get(address)?.open ?? 0;
  }

  /** Forgets addresses with no connection whose window is over (call periodically). */
  prune(now: number): void {
    for (const [address, s] of this.addresses) {
      if (s.open === 0 && now - s.windowStart >= RATE_WINDOW_MS) this.addresses.delete(address);
    }
  }

  /** Addresses tracked (for tests: the map does not grow without bound). */
  get size(): number {
    return this.addresses.size;
  }
}
