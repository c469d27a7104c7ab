import { describe, expect, it } from 'vitest';
import { MarketCalendar } from '../market/calendar.js';
import { SimClock } from './clock.js';
import { ny } from './testing.js';

/** A wall clock the test moves by hand. */
function wall(startMs: number) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const WALL_START = Date.parse('2030-01-15T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('SimClock', () => {
  it('maps wall time to simulated time at the given speed from an ISO start', () => {
    const w = wall(WALL_START);
    const clock = new SimClock({ start: '2026-03-02T09:25:00-05:00', speed: 60, wallNow: w.now });
    expect(clock.now()).toBe(ny('09:25'));
    w.advance(5000);
    expect(clock.now()).toBe(ny('09:30'));
    w.advance(10 * 60_000 - 5000);
    expect(clock.now()).toBe(ny('19:25'));
    expect(clock.at(WALL_START + 1)).toBe(ny('09:25') + 60);
  });

  it('runs in real time by default', () => {
    const w = wall(WALL_START);
    const clock = new SimClock({ start: ny('10:00'), wallNow: w.now });
    w.advance(1234);
    expect(clock.now()).toBe(ny('10:00') + 1234);
  });

  it('runs a whole 04:00–20:00 day in 16 minutes at speed 60, then jumps to the next trading day over a weekend', () => {
    const w = wall(WALL_START);
    const clock = new SimClock({
      start: { date: '2026-03-06', session: 'PRE_MARKET' },
      speed: 60,
      wallNow: w.now,
    });
    expect(iso(clock.now())).toBe('2026-03-06T09:00:00.000Z'); // Friday 04:00 EST
    w.advance(16 * 60_000 - 1000);
    expect(iso(clock.now())).toBe('2026-03-07T00:59:00.000Z'); // Friday 19:59
    w.advance(2000);
    // 60 s to 20:00, then 60 s into Monday's pre-market: 04:01 EDT after the DST switch on Sunday.
    expect(iso(clock.now())).toBe('2026-03-09T08:01:00.000Z');
  });

  it('skips a holiday, and ends post-market at 17:00 after an early close', () => {
    const w = wall(WALL_START);
    // Thursday 2026-04-02 19:59 → Good Friday is closed → Monday 2026-04-06.
    const holiday = new SimClock({ start: '2026-04-02T19:59:00-04:00', speed: 60, wallNow: w.now });
    w.advance(2000);
    expect(iso(holiday.now())).toBe('2026-04-06T08:01:00.000Z');
    // Friday after Thanksgiving closes at 13:00; post-market ends at 17:00.
    const early = new SimClock({ start: '2026-11-27T16:59:00-05:00', speed: 60, wallNow: w.now });
    w.advance(2000);
    expect(iso(early.now())).toBe('2026-11-30T09:01:00.000Z');
  });

  it('starts a start that falls in closed hours at the next 04:00, unless closed hours are kept', () => {
    const w = wall(WALL_START);
    const skipping = new SimClock({ start: '2026-03-07T12:00:00-05:00', wallNow: w.now });
    expect(iso(skipping.startMs)).toBe('2026-03-09T08:00:00.000Z');
    const continuous = new SimClock({
      start: '2026-03-07T12:00:00-05:00',
      speed: 3600,
      skipClosed: false,
      wallNow: w.now,
    });
    w.advance(1000);
    expect(iso(continuous.now())).toBe('2026-03-07T18:00:00.000Z');
  });

  it('resolves "today at a session" from the wall clock, moving a non-trading day to the next trading day', () => {
    const saturdayNoon = Date.parse('2026-03-07T17:00:00Z');
    const w = wall(saturdayNoon);
    expect(iso(new SimClock({ start: 'PRE_MARKET', wallNow: w.now }).startMs)).toBe(
      '2026-03-09T08:00:00.000Z',
    );
    expect(iso(new SimClock({ start: { session: 'MARKET_OPEN' }, wallNow: w.now }).startMs)).toBe(
      '2026-03-09T13:30:00.000Z',
    );
    const tuesday = wall(Date.parse('2026-03-03T15:00:00Z'));
    expect(
      iso(new SimClock({ start: { date: 'today', session: 'POST_MARKET' }, wallNow: tuesday.now }).startMs),
    ).toBe('2026-03-03T21:00:00.000Z');
    const early = new SimClock({ start: { date: '2026-11-27', session: 'POST_MARKET' }, wallNow: w.now });
    expect(iso(early.startMs)).toBe('2026-11-27T18:00:00.000Z');
    expect(new SimClock({ start: 'now', skipClosed: false, wallNow: w.now }).startMs).toBe(saturdayNoon);
  });

  it('rejects a start that is not an instant or a session, and a non-positive speed', () => {
    expect(() => new SimClock({ start: 'tomorrow-ish' })).toThrow(/not an ISO instant or a session/);
    expect(() => new SimClock({ speed: 0 })).toThrow(/speed/);
    expect(() => new SimClock({ start: Number.NaN })).toThrow(/finite/);
  });

  it('uses the calendar it is given', () => {
    const closed = new MarketCalendar([{ date: '2026-03-02', status: 'closed', name: 'Test closure' }]);
    const w = wall(WALL_START);
    const clock = new SimClock({ start: '2026-03-02T10:00:00-05:00', calendar: closed, wallNow: w.now });
    expect(iso(clock.startMs)).toBe('2026-03-03T09:00:00.000Z');
  });
});
