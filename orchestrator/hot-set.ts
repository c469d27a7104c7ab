/**
 * What one hot-set update changed: the orchestrator's own bookkeeping (the source's hot symbols, whether the
 * feed must be told). The feed never sees it: it reconciles with the stored membership (shared/bus/hot-set.ts).
 */
export interface SubscriptionChange {
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
}

/**
 * The hot set of SPEC §7: the union of every list's symbols. A symbol is subscribed as soon as it enters;
 * it is unsubscribed only after staying out for `graceMs`, so a name flickering at the edge of a list does not
 * churn the vendor subscription every scan.
 */
export class HotSet {
  private readonly subscribed = new Set<string>();
  private readonly leftAt = new Map<string, number>();

  constructor(private readonly graceMs: number) {}

  get symbols(): string[] {
    return [...this.subscribed].sort();
  }

  /**
   * Takes `symbols` as subscribed (a previous run's hot set, after a restart). Each one that is in no list at
   * the next update starts its grace period then, and is unsubscribed once it ends.
   */
  restore(symbols: Iterable<string>): void {
    for (const s of symbols) this.subscribed.add(s);
  }

  update(now: number, inLists: ReadonlySet<string>): SubscriptionChange {
    const subscribe: string[] = [];
    const unsubscribe: string[] = [];
    for (const s of inLists) {
      this.leftAt.delete(s);
      if (!this.subscribed.has(s)) {
        this.subscribed.add(s);
        subscribe.push(s);
      }
    }
    for (const s of this.subscribed) {
      if (inLists.has(s)) continue;
      const left = this.leftAt.get(s);
      if (left === undefined) this.leftAt.set(s, now);
      else if (now - left >= this.graceMs) {
        this.subscribed.delete(s);
        this.leftAt.delete(s);
        unsubscribe.push(s);
      }
    }
    return { subscribe: subscribe.sort(), unsubscribe: unsubscribe.sort() };
  }
}
