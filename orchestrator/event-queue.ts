import type { AggregateInput } from '../shared/scan/market-state.js';
import type { MarketEvent } from './market-source.js';

type Ack = () => Promise<void>;

/** A queued event and the acknowledgements of every source event folded into it. */
export interface QueuedEvent {
  readonly event: MarketEvent;
  readonly acks: readonly Ack[];
}

/**
 * Queued aggregate bars above which the queue folds them (see {@link EventQueue}). The hot set is a few hundred
 * symbols sending a bar a second, so a healthy loop (a tick every 250 ms) holds a few hundred; 100K means a tick
 * has been stuck for minutes, and then ≈ 100 bytes a bar keeps the queue near 10 MB at most.
 */
export const DEFAULT_MAX_QUEUED_BARS = 100_000;

export interface EventQueueCounters {
  /** Snapshots replaced by a newer one before a tick took them. */
  droppedSnapshots: number;
  /** Aggregate bars merged into a later bar of the same symbol because the queue was over its cap. */
  foldedBars: number;
}

/**
 * The orchestrator's inbox between ticks. Coalescing: at most one snapshot waits — a newer one replaces it (the
 * older is counted). Aggregates are never dropped, but if a stuck tick lets more than `maxBars` of them pile up,
 * each run of aggregates between snapshots is folded into one bar per symbol (the latest price, the highest day
 * volume, the widest high/low), which is what applying them in order would leave, minus the intermediate
 * observations. The queue then holds at most one snapshot and two bars per symbol, however long the tick takes.
 */
export class EventQueue {
  private items: QueuedEvent[] = [];
  private bars = 0;

  constructor(
    private readonly counters: EventQueueCounters,
    private readonly maxBars = DEFAULT_MAX_QUEUED_BARS,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Aggregate bars queued. */
  get queuedBars(): number {
    return this.bars;
  }

  push(event: MarketEvent): void {
    if (event.kind === 'aggregates') {
      this.bars += event.events.length;
      this.items.push({ event, acks: event.ack ? [event.ack] : [] });
      if (this.bars > this.maxBars) this.fold();
      return;
    }
    const waiting = this.items.findIndex((q) => q.event.kind !== 'aggregates');
    if (waiting >= 0) {
      this.items.splice(waiting, 1);
      this.counters.droppedSnapshots++;
    }
    this.items.push({ event, acks: [] });
  }

  /** Everything queued, oldest first; the queue is left empty. */
  takeAll(): QueuedEvent[] {
    const taken = this.items;
    this.items = [];
    this.bars = 0;
    return taken;
  }

  private fold(): void {
    const folded: QueuedEvent[] = [];
    let run: QueuedEvent[] = [];
    const closeRun = () => {
      if (run.length > 0) folded.push(foldRun(run));
      run = [];
    };
    for (const q of this.items) {
      if (q.event.kind === 'aggregates') run.push(q);
      else {
        closeRun();
        folded.push(q);
      }
    }
    closeRun();
    const before = this.bars;
    this.items = folded;
    this.bars = folded.reduce((n, q) => n + (q.event.kind === 'aggregates' ? q.event.events.length : 0), 0);
    this.counters.foldedBars += before - this.bars;
  }
}

function foldRun(run: readonly QueuedEvent[]): QueuedEvent {
  let at = -Infinity;
  const events: AggregateInput[] = [];
  for (const { event } of run) {
    if (event.kind !== 'aggregates') continue;
    at = Math.max(at, event.at);
    for (const e of event.events) events.push(e); // not push(...): a folded run can hold every symbol
  }
  return { event: { kind: 'aggregates', at, events: foldBars(events) }, acks: run.flatMap((q) => q.acks) };
}

const pos = (v: number | undefined): v is number => v !== undefined && v > 0;

type FoldedBar = { -readonly [K in keyof AggregateInput]: AggregateInput[K] };

/**
 * One bar per symbol, in order of first appearance, equivalent to applying `bars` in order (SPEC §2.1): the
 * price, open and day volume of the last bar, high/low widened by every bar's high, low and close — skipping, as
 * the engine does, a bar older than the ones before it (an earlier window end or a lower day volume).
 */
export function foldBars(bars: Iterable<AggregateInput>): AggregateInput[] {
  const bySymbol = new Map<string, FoldedBar>();
  for (const b of bars) {
    const f = bySymbol.get(b.sym);
    if (f === undefined) {
      bySymbol.set(b.sym, { ...pick(b), h: widest(Math.max, b.h, b.c), l: widest(Math.min, b.l, b.c) });
      continue;
    }
    const older =
      (b.e !== undefined && f.e !== undefined && b.e <= f.e) || (pos(b.av) && pos(f.av) && b.av < f.av);
    if (older) continue;
    if (pos(b.c)) f.c = b.c;
    if (pos(b.av)) f.av = b.av;
    if (pos(b.op)) f.op = b.op;
    if (pos(b.a)) f.a = b.a;
    if (b.e !== undefined) f.e = b.e;
    f.h = widest(Math.max, f.h, b.h, b.c);
    f.l = widest(Math.min, f.l, b.l, b.c);
  }
  return [...bySymbol.values()];
}

/** Only the fields the engine reads: a vendor event carries a dozen more. */
function pick(b: AggregateInput): FoldedBar {
  const f: FoldedBar = { sym: b.sym };
  if (b.c !== undefined) f.c = b.c;
  if (b.av !== undefined) f.av = b.av;
  if (b.op !== undefined) f.op = b.op;
  if (b.a !== undefined) f.a = b.a;
  if (b.e !== undefined) f.e = b.e;
  return f;
}

/** The extreme of the positive values (the engine ignores the others), undefined when there is none. */
function widest(pickOf: (...v: number[]) => number, ...values: (number | undefined)[]): number | undefined {
  const valid = values.filter(pos);
  return valid.length > 0 ? pickOf(...valid) : undefined;
}
