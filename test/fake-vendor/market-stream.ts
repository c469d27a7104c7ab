import type { Logger } from '../../shared/logger.js';
import type { AggregateEvent } from '../../shared/vendor/aggregate-schema.js';
import type { AggregateKind, FakeMarket, WantedAggregates } from './market.js';
import type { FakeWs } from './ws.js';

/*
 * The WebSocket's data side (docs/vendor.md §2.3, §9.7): every delivery, the `A` (one second) and `AM` (one
 * minute) windows that closed in the market since the previous one, for the symbols some client subscribed
 * (`A.*` = all), batched into array frames; FakeWs gives each connection only what it subscribed to. A window
 * without trades has no event, as at the vendor. An AM bar goes out with the first delivery after its minute
 * ends, which plays the vendor's "minute boundary plus a small delay"; the vendor's ~2 s publication delay
 * of `A` bars is not played.
 *
 * Deliveries come from a wall-clock timer (`everyMs`) or from a test calling `tick()` after moving its
 * clock. Time is the market's, so an accelerated market delivers many windows at once and skips none.
 */

export interface MarketStreamOptions {
  /** Wall ms between deliveries; 0 = only when `tick()` is called. */
  readonly everyMs: number;
  /** The plan's lag behind the market (delayed feeds), market ms. */
  readonly dataDelayMs: number;
  /** Events per frame at most, so an `A.*` delivery of an accelerated market is not one 100 MB frame. */
  readonly maxEventsPerFrame: number;
  readonly logger?: Logger;
}

const KINDS: readonly AggregateKind[] = ['A', 'AM'];

export class MarketStream {
  private sentUpTo: number;
  private timer: NodeJS.Timeout | undefined;
  /** Events sent so far (before the per-connection filter). */
  sent = 0;

  constructor(
    private readonly market: FakeMarket,
    private readonly ws: FakeWs,
    private readonly options: MarketStreamOptions,
  ) {
    // Streaming starts at the market's present: a client that subscribes later gets what closes from then on.
    this.sentUpTo = this.visibleNow();
    if (options.everyMs > 0) {
      this.timer = setInterval(() => this.safeTick(), options.everyMs);
      this.timer.unref();
    }
  }

  /** Sends what closed since the previous delivery; returns those events (before the per-client filter). */
  tick(): AggregateEvent[] {
    const from = this.sentUpTo;
    const to = this.visibleNow();
    if (to <= from) return [];
    this.sentUpTo = to;
    const wanted: WantedAggregates = {};
    for (const kind of KINDS) {
      const symbols = this.ws.subscribedSymbols(kind);
      if (symbols === 'all' || symbols.size > 0) wanted[kind] = symbols;
    }
    if (Object.keys(wanted).length === 0) return [];
    const events = this.market.aggregatesBetween(from, to, wanted);
    for (let i = 0; i < events.length; i += this.options.maxEventsPerFrame)
      this.ws.pushAggregates(events.slice(i, i + this.options.maxEventsPerFrame));
    this.sent += events.length;
    return events;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private visibleNow(): number {
    return this.market.now() - this.options.dataDelayMs;
  }

  /** A market that throws (a bad recording line) is logged and streaming goes on, not a crashed server. */
  private safeTick(): void {
    try {
      this.tick();
    } catch (err) {
      this.options.logger?.error({ err }, 'fake vendor: could not stream aggregates');
    }
  }
}
