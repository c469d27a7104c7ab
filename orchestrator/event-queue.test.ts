import { describe, expect, it } from 'vitest';
import { ny } from '../test/utils/market.js';
import { snap } from '../test/utils/orchestrator.js';
import { EventQueue, foldBars } from './event-queue.js';
import type { MarketEvent } from './market-source.js';

const bars = (second: number, ...syms: string[]): MarketEvent => ({
  kind: 'aggregates',
  at: ny('10:00') + second * 1000,
  events: syms.map((sym) => ({ sym, c: 10 + second, av: 1000 + second, e: ny('10:00') + second * 1000 })),
  ack: async () => {},
});

describe('EventQueue', () => {
  it('keeps one waiting snapshot, the newest, and counts the ones it replaced', () => {
    const counters = { droppedSnapshots: 0, foldedBars: 0 };
    const q = new EventQueue(counters);
    q.push(snap('10:00', [['AAA', 10, 10]]));
    q.push(bars(1, 'AAA'));
    q.push(snap('10:00:05', [['AAA', 11, 10]]));
    expect(q.takeAll().map((x) => [x.event.kind, x.event.at])).toEqual([
      ['aggregates', ny('10:00:01')],
      ['snapshot-rows', ny('10:00:05')],
    ]);
    expect(counters.droppedSnapshots).toBe(1);
    expect(q.length).toBe(0);
  });

  it('over its cap folds each run of aggregates on its side of the waiting snapshot, keeping every ack', () => {
    const counters = { droppedSnapshots: 0, foldedBars: 0 };
    const q = new EventQueue(counters, 5);
    q.push(bars(1, 'AAA', 'BBB'));
    q.push(bars(2, 'AAA', 'BBB'));
    q.push(snap('10:00:03', [['AAA', 11, 10]]));
    q.push(bars(4, 'AAA'));
    expect(q.queuedBars).toBe(5);
    q.push(bars(5, 'AAA', 'BBB'));
    const taken = q.takeAll();
    expect(
      taken.map((x) => [x.event.kind, x.event.kind === 'aggregates' ? x.event.events.length : 0]),
    ).toEqual([
      ['aggregates', 2],
      ['snapshot-rows', 0],
      ['aggregates', 2],
    ]);
    expect(taken.map((x) => x.acks.length)).toEqual([2, 0, 2]);
    expect(taken[2]!.event).toMatchObject({ at: ny('10:00:05') });
    expect(counters.foldedBars).toBe(3);
  });
});

describe('foldBars', () => {
  it('leaves what applying the bars in order would: the last price and volume, the widest range, older bars skipped', () => {
    expect(
      foldBars([
        { sym: 'A', c: 10, h: 10.5, l: 9.5, av: 100, e: 1 },
        { sym: 'B', c: 5, av: 50 },
        { sym: 'A', c: 11, h: 11, l: 10.8, av: 200, op: 9.9, e: 3 },
        { sym: 'A', c: 7, av: 150, e: 2 }, // a late, older bar: its price is not the newest
      ]),
    ).toEqual([
      { sym: 'A', c: 11, av: 200, op: 9.9, e: 3, h: 11, l: 9.5 },
      { sym: 'B', c: 5, av: 50, h: 5, l: 5 },
    ]);
  });

  it("keeps the newest bar's day VWAP (a > 0), as applying the bars in order would", () => {
    expect(
      foldBars([
        { sym: 'A', c: 10, av: 100, a: 10.1, e: 1 },
        { sym: 'A', c: 11, av: 200, a: 10.4, e: 3 },
        { sym: 'A', c: 12, av: 300, a: 0, e: 4 }, // 0 = none: the VWAP stays
        { sym: 'A', c: 7, av: 150, a: 9, e: 2 }, // a late, older bar
      ]),
    ).toEqual([{ sym: 'A', c: 12, av: 300, a: 10.4, e: 4, h: 12, l: 10 }]);
  });
});
