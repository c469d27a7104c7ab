import { describe, expect, it } from 'vitest';
import type { AggregateEvent } from '../vendor/aggregate-schema.js';
import type { FullMarketSnapshotInput } from '../vendor/snapshot-schema.js';
import type { Timers } from './repeat.js';
import { Simulator, type SimulatorListener } from './simulator.js';
import { DAY, ny } from './testing.js';

/** Timers and a wall clock that only move when the test says so. */
function fakeWall(startMs: number) {
  let now = startMs;
  let ids = 0;
  const queue: { due: number; id: number; fn: () => void }[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      queue.push({ due: now + ms, id: ++ids, fn });
      return ids;
    },
    clearTimeout: (handle) => {
      const k = queue.findIndex((t) => t.id === handle);
      if (k >= 0) queue.splice(k, 1);
    },
  };
  const advance = (ms: number): void => {
    const end = now + ms;
    for (;;) {
      queue.sort((a, b) => a.due - b.due || a.id - b.id);
      const next = queue[0];
      if (next === undefined || next.due > end) break;
      queue.shift();
      now = next.due;
      next.fn();
    }
    now = end;
  };
  return { now: () => now, timers, advance, pending: () => queue.length };
}

function recorder() {
  const snapshots: { at: number; body: FullMarketSnapshotInput }[] = [];
  const aggregates: { at: number; events: AggregateEvent[] }[] = [];
  const listener: SimulatorListener = {
    onSnapshot: (body, at) => snapshots.push({ at, body }),
    onAggregates: (events, at) => aggregates.push({ at, events }),
  };
  return { snapshots, aggregates, listener };
}

const TICKERS = 150;
const WALL = Date.parse('2031-06-01T00:00:00Z');

describe('Simulator lifecycle', () => {
  it('pushes snapshots every 5 wall seconds and aggregates every wall second, driven by its clock, until stopped', () => {
    const wall = fakeWall(WALL);
    const sim = new Simulator({
      seed: 9,
      tickers: TICKERS,
      start: '2026-03-02T09:55:00-05:00',
      speed: 60,
      wallNow: wall.now,
      timers: wall.timers,
    });
    const hot = sim.stories(DAY).map((s) => s.symbol);
    sim.subscribe(hot);
    const rec = recorder();
    sim.start(rec.listener);
    expect(sim.running).toBe(true);
    expect(() => sim.start(rec.listener)).toThrow(/already running/);
    wall.advance(20_000);

    // At speed 60, 5 wall seconds are 5 simulated minutes.
    expect(rec.snapshots.map((s) => s.at)).toEqual(
      ['09:55', '10:00', '10:05', '10:10', '10:15'].map((t) => ny(t)),
    );
    const fresh = new Simulator({ seed: 9, tickers: TICKERS });
    for (const s of rec.snapshots)
      expect(JSON.stringify(s.body)).toBe(JSON.stringify(fresh.snapshotAt(s.at)));
    // Every per-second window that closed is delivered once, in order, whatever the delivery period.
    expect(rec.aggregates.length).toBeGreaterThan(15);
    expect(rec.aggregates.flatMap((a) => a.events)).toEqual(
      fresh.aggregatesBetween(ny('09:55'), ny('10:15'), hot, 'A'),
    );
    for (const a of rec.aggregates) for (const e of a.events) expect(e.e).toBeLessThanOrEqual(a.at);

    sim.unsubscribe(hot);
    wall.advance(3000);
    const delivered = rec.aggregates.length;
    sim.stop();
    expect(sim.running).toBe(false);
    expect(wall.pending()).toBe(0);
    wall.advance(60_000);
    expect(rec.aggregates).toHaveLength(delivered);
    expect(rec.snapshots).toHaveLength(5);
  });

  it('hands a listener with onSnapshotBytes the JSON bytes of each snapshot instead of the body', () => {
    const wall = fakeWall(WALL);
    const sim = new Simulator({
      seed: 9,
      tickers: TICKERS,
      start: '2026-03-02T09:55:00-05:00',
      speed: 60,
      wallNow: wall.now,
      timers: wall.timers,
    });
    const seen: { at: number; text: string }[] = [];
    let bodies = 0;
    sim.start({
      onSnapshot: () => bodies++,
      onSnapshotBytes: (bytes, at) => seen.push({ at, text: Buffer.from(bytes).toString('utf8') }),
      onAggregates: () => {},
    });
    wall.advance(10_000);
    sim.stop();
    expect(bodies).toBe(0);
    expect(seen.map((s) => s.at)).toEqual(['09:55', '10:00', '10:05'].map((t) => ny(t)));
    const fresh = new Simulator({ seed: 9, tickers: TICKERS });
    for (const s of seen) expect(s.text).toBe(JSON.stringify(fresh.snapshotAt(s.at)));
  });

  it('stays silent while the simulated session is CLOSED, as the live feed does not poll then', () => {
    const wall = fakeWall(WALL);
    const sim = new Simulator({
      seed: 9,
      tickers: 20,
      start: '2026-03-07T12:00:00-05:00', // a Saturday
      skipClosed: false,
      wallNow: wall.now,
      timers: wall.timers,
    });
    const rec = recorder();
    sim.start(rec.listener);
    wall.advance(30_000);
    sim.stop();
    expect(rec.snapshots).toEqual([]);
  });

  it("routes a listener's error to onError and keeps running, or stops when there is no onError", () => {
    const wall = fakeWall(WALL);
    const options = { seed: 9, tickers: 20, start: ny('10:00'), wallNow: wall.now, timers: wall.timers };
    const errors: unknown[] = [];
    const handled = new Simulator(options);
    handled.start({
      onSnapshot: () => {
        throw new Error('consumer failed');
      },
      onAggregates: () => {},
      onError: (e) => errors.push(e),
    });
    wall.advance(10_000);
    expect(errors).toHaveLength(3);
    expect(handled.running).toBe(true);
    handled.stop();

    const unhandled = new Simulator(options);
    unhandled.start({
      onSnapshot: () => {
        throw new Error('consumer failed');
      },
      onAggregates: () => {},
    });
    expect(() => wall.advance(1)).toThrow('consumer failed');
    expect(unhandled.running).toBe(false);
  });
});
