import { SimClock, type SimStart } from '../../shared/sim/clock.js';
import { Simulator } from '../../shared/sim/simulator.js';
import type { AggregateEvent } from '../../shared/vendor/aggregate-schema.js';
import type { AggregateKind, FakeMarket, SnapshotBody, WantedAggregates } from './market.js';
import { FakeFlatFiles, type FakeFlatFilesOptions } from './flat-files.js';
import type { FakeRestData } from './rest-data.js';
import { SimRestData } from './sim-rest-data.js';

/*
 * The simulated market (shared/sim) behind the fake vendor: the same seeded universe, snapshot bodies and
 * `A`/`AM` events the embedded FEED=sim produces, but delivered over the vendor's REST and WebSocket, so the
 * product's FEED=polygon path runs on a living market without a key. The simulator's methods are pure in the
 * instant, so serving a snapshot per request and aggregates per tick in any interleaving is safe.
 */

export interface SimMarketOptions {
  /** A simulator to serve; otherwise one is built from `seed` and `tickers`. */
  readonly simulator?: Simulator;
  readonly seed?: number;
  /** Universe size; default 12,000 (the simulator's). */
  readonly tickers?: number;
  /** Where the market clock starts (shared/sim/clock.ts). Default 'now'. */
  readonly start?: SimStart;
  /** Market ms per wall ms; default 1. 60 runs a 04:00–20:00 day in 16 minutes. */
  readonly speed?: number;
  /** Replaces the simulator's clock (e.g. a test's ManualClock). */
  readonly now?: () => number;
}

export class SimMarket implements FakeMarket {
  readonly simulator: Simulator;
  readonly now: () => number;
  private allSymbols: readonly string[] | undefined;

  constructor(options: SimMarketOptions = {}) {
    this.simulator =
      options.simulator ??
      new Simulator({
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.tickers === undefined ? {} : { tickers: options.tickers }),
      });
    if (options.now !== undefined) this.now = options.now;
    else {
      const clock = new SimClock({
        start: options.start ?? 'now',
        speed: options.speed ?? 1,
        calendar: this.simulator.calendar,
      });
      this.now = () => clock.now();
    }
  }

  snapshotAt(atMs: number): SnapshotBody {
    return this.simulator.snapshotAt(atMs);
  }

  /** The whole universe on every REST route: tickers, details, float, minute and daily bars, market status. */
  restData(now: () => number = this.now): Partial<FakeRestData> {
    return new SimRestData(this.simulator, now);
  }

  /** The simulator's minute bars of every past trading day as the vendor's S3 flat files. */
  flatFiles(options: Omit<FakeFlatFilesOptions, 'simulator'>): FakeFlatFiles {
    return new FakeFlatFiles({ ...options, simulator: this.simulator });
  }

  aggregatesBetween(fromMs: number, toMs: number, wanted: WantedAggregates): AggregateEvent[] {
    const events: AggregateEvent[] = [];
    for (const kind of KINDS) {
      const symbols = wanted[kind];
      if (symbols === undefined) continue;
      this.allSymbols ??= this.simulator.universe.tickers.map((t) => t.symbol);
      const list = symbols === 'all' ? this.allSymbols : symbols;
      events.push(...this.simulator.aggregatesBetween(fromMs, toMs, list, kind));
    }
    // As windows close: a second's bar before the minute bar that ends with it (the sort is stable).
    return events.sort((a, b) => a.e - b.e || KINDS.indexOf(a.ev) - KINDS.indexOf(b.ev));
  }
}

const KINDS: readonly AggregateKind[] = ['A', 'AM'];
