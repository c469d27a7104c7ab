import { describe, expect, it } from 'vitest';
import { MarketCalendar } from './calendar.js';
import { nyWallClockToUtcMs } from './ny-time.js';
import { FIRST_SLOT_MINUTE, SLOT_MINUTES, SLOTS_PER_DAY, marketClock } from './session-clock.js';

const calendar = new MarketCalendar();

/** The instant New York reads hh:mm[:ss[.mmm]] on `date`. */
function at(date: string, time: string): number {
  const [hms = '', millis = '0'] = time.split('.');
  const [h = 0, m = 0, s = 0] = hms.split(':').map(Number);
  return nyWallClockToUtcMs(date, h * 60 + m + s / 60 + Number(millis.padEnd(3, '0')) / 60_000);
}

const clockAt = (date: string, time: string, cal = calendar) => marketClock(at(date, time), cal);
const sessionAt = (date: string, time: string, cal = calendar) => clockAt(date, time, cal).session;

/** A normal Monday, in EST. */
const NORMAL = '2026-03-02';
/** A normal Monday in EDT, right after spring-forward. */
const AFTER_SPRING = '2026-03-09';
/** Friday after Thanksgiving: early close at 13:00. */
const EARLY = '2026-11-27';

describe('marketClock sessions on a normal trading day', () => {
  it('is CLOSED before 04:00 and PRE_MARKET from 04:00', () => {
    expect(sessionAt(NORMAL, '00:00')).toBe('CLOSED');
    expect(sessionAt(NORMAL, '03:59:59.999')).toBe('CLOSED');
    expect(sessionAt(NORMAL, '04:00')).toBe('PRE_MARKET');
  });

  it('is PRE_MARKET until 09:30 and MARKET_OPEN from 09:30', () => {
    expect(sessionAt(NORMAL, '09:29:59.999')).toBe('PRE_MARKET');
    expect(sessionAt(NORMAL, '09:30')).toBe('MARKET_OPEN');
  });

  it('is MARKET_OPEN until 16:00 and POST_MARKET from 16:00', () => {
    expect(sessionAt(NORMAL, '15:59:59.999')).toBe('MARKET_OPEN');
    expect(sessionAt(NORMAL, '16:00')).toBe('POST_MARKET');
  });

  it('is POST_MARKET until 20:00 and CLOSED from 20:00 to midnight', () => {
    expect(sessionAt(NORMAL, '19:59:59.999')).toBe('POST_MARKET');
    expect(sessionAt(NORMAL, '20:00')).toBe('CLOSED');
    expect(sessionAt(NORMAL, '23:59:59.999')).toBe('CLOSED');
  });

  it('uses New York wall-clock time in summer too (EDT)', () => {
    expect(marketClock(Date.parse('2026-03-09T13:29:59.999Z'), calendar).session).toBe('PRE_MARKET');
    expect(marketClock(Date.parse('2026-03-09T13:30:00Z'), calendar).session).toBe('MARKET_OPEN');
    expect(marketClock(Date.parse('2026-03-09T20:00:00Z'), calendar).session).toBe('POST_MARKET');
    expect(sessionAt(AFTER_SPRING, '09:30')).toBe('MARKET_OPEN');
  });

  it('opens at 14:30Z on the Monday after fall-back (EST again)', () => {
    expect(marketClock(Date.parse('2026-11-02T14:29:59.999Z'), calendar).session).toBe('PRE_MARKET');
    expect(marketClock(Date.parse('2026-11-02T14:30:00Z'), calendar).session).toBe('MARKET_OPEN');
  });

  it('reports the instant, the New York date and minute of day', () => {
    const ms = Date.parse('2026-03-03T01:15:00Z'); // 20:15 on Monday in New York
    expect(marketClock(ms, calendar)).toEqual({
      ms,
      date: NORMAL,
      minuteOfDay: 1215,
      tradingDay: true,
      session: 'CLOSED',
      slot: null,
      slotFraction: 0,
      afterOpen: true,
    });
  });
});

describe('marketClock sessions on an early-close day', () => {
  it('is MARKET_OPEN until 13:00 and POST_MARKET from 13:00', () => {
    expect(sessionAt(EARLY, '09:30')).toBe('MARKET_OPEN');
    expect(sessionAt(EARLY, '12:59:59.999')).toBe('MARKET_OPEN');
    expect(sessionAt(EARLY, '13:00')).toBe('POST_MARKET');
  });

  it('is POST_MARKET until 17:00 and CLOSED from 17:00', () => {
    expect(sessionAt(EARLY, '16:59:59.999')).toBe('POST_MARKET');
    expect(sessionAt(EARLY, '17:00')).toBe('CLOSED');
  });

  it('still has pre-market from 04:00', () => {
    expect(sessionAt(EARLY, '03:59:59.999')).toBe('CLOSED');
    expect(sessionAt(EARLY, '04:00')).toBe('PRE_MARKET');
  });

  it('keeps the RVOL slot grid to 20:00 even though post-market ends at 17:00', () => {
    expect(clockAt(EARLY, '17:00').slot).toBe(156);
    expect(clockAt(EARLY, '19:59:59').slot).toBe(191);
    expect(clockAt(EARLY, '20:00').slot).toBeNull();
  });

  it('follows an override close minute: 14:00 close → post-market until 18:00', () => {
    const cal = calendar.withOverrides([
      { date: NORMAL, status: 'early-close', name: 'Test', closeMinuteOfDay: 840 },
    ]);
    expect(sessionAt(NORMAL, '13:59:59.999', cal)).toBe('MARKET_OPEN');
    expect(sessionAt(NORMAL, '14:00', cal)).toBe('POST_MARKET');
    expect(sessionAt(NORMAL, '17:59:59.999', cal)).toBe('POST_MARKET');
    expect(sessionAt(NORMAL, '18:00', cal)).toBe('CLOSED');
  });
});

describe('marketClock on non-trading days', () => {
  const closedAllDay = (date: string, cal = calendar) => {
    for (const time of ['03:00', '04:00', '09:30', '12:00', '16:00', '19:59']) {
      const clock = clockAt(date, time, cal);
      expect(clock, `${date} ${time}`).toMatchObject({
        date,
        tradingDay: false,
        session: 'CLOSED',
        slot: null,
        slotFraction: 0,
        afterOpen: false,
      });
    }
  };

  it('is CLOSED all day on a holiday (Thanksgiving 2026)', () => {
    closedAllDay('2026-11-26');
  });

  it('is CLOSED all day on a weekend', () => {
    closedAllDay('2026-03-07');
  });

  it('is CLOSED all day on the DST switch Sundays 2026-03-08 and 2026-11-01', () => {
    closedAllDay('2026-03-08');
    closedAllDay('2026-11-01');
  });

  it('is CLOSED all day on a date closed by an override', () => {
    closedAllDay(
      '2026-03-02',
      calendar.withOverrides([{ date: '2026-03-02', status: 'closed', name: 'Closure' }]),
    );
  });
});

describe('marketClock RVOL slot and fraction', () => {
  it('uses 192 five-minute slots from 04:00', () => {
    expect([SLOT_MINUTES, SLOTS_PER_DAY, FIRST_SLOT_MINUTE]).toEqual([5, 192, 240]);
    expect(FIRST_SLOT_MINUTE + SLOT_MINUTES * SLOTS_PER_DAY).toBe(20 * 60);
  });

  it('is slot -1 with fraction 0 just before 04:00 on a trading day', () => {
    expect(clockAt(NORMAL, '03:59:59.999')).toMatchObject({ slot: -1, slotFraction: 0 });
    expect(clockAt(NORMAL, '00:00')).toMatchObject({ slot: -1, slotFraction: 0 });
  });

  it('is slot 0 with fraction 0 at exactly 04:00', () => {
    expect(clockAt(NORMAL, '04:00')).toMatchObject({ slot: 0, slotFraction: 0 });
  });

  it('is exactly half-way through slot 0 at 04:02:30', () => {
    expect(clockAt(NORMAL, '04:02:30')).toMatchObject({ slot: 0, slotFraction: 0.5 });
  });

  it('moves to slot 1 at 04:05 and is just short of 1 a millisecond before', () => {
    const before = clockAt(NORMAL, '04:04:59.999');
    expect(before.slot).toBe(0);
    expect(before.slotFraction).toBeLessThan(1);
    expect(before.slotFraction).toBeCloseTo(299_999 / 300_000, 12);
    expect(clockAt(NORMAL, '04:05')).toMatchObject({ slot: 1, slotFraction: 0 });
  });

  it('puts 09:30 at the start of slot 66 and 16:00 at the start of slot 144', () => {
    expect(clockAt(NORMAL, '09:30')).toMatchObject({ slot: 66, slotFraction: 0 });
    expect(clockAt(NORMAL, '16:00')).toMatchObject({ slot: 144, slotFraction: 0 });
  });

  it('is the last slot 191 at 19:59:59, and no slot from 20:00', () => {
    const last = clockAt(NORMAL, '19:59:59');
    expect(last.slot).toBe(191);
    expect(last.slotFraction).toBeCloseTo(299 / 300, 12);
    expect(clockAt(NORMAL, '19:59:59.999').slot).toBe(191);
    expect(clockAt(NORMAL, '20:00')).toMatchObject({ slot: null, slotFraction: 0 });
  });

  it('gives quarter fractions exactly in summer time as well', () => {
    expect(clockAt(AFTER_SPRING, '10:01:15')).toMatchObject({ slot: 72, slotFraction: 0.25 });
    expect(clockAt(AFTER_SPRING, '10:03:45')).toMatchObject({ slot: 72, slotFraction: 0.75 });
  });

  it('always has a fraction in [0, 1) and a slot that counts up by one every five minutes', () => {
    const start = at(NORMAL, '04:00');
    for (let i = 0; i < SLOTS_PER_DAY * 10; i++) {
      const clock = marketClock(start + i * 30_000, calendar);
      expect(clock.slot).toBe(Math.floor(i / 10));
      expect(clock.slotFraction).toBe((i % 10) / 10);
    }
  });
});

describe('marketClock afterOpen', () => {
  it('is false at 09:29:59.999 and true from 09:30', () => {
    expect(clockAt(NORMAL, '09:29:59.999').afterOpen).toBe(false);
    expect(clockAt(NORMAL, '09:30').afterOpen).toBe(true);
  });

  it('stays true after the close and into the evening of the trading day', () => {
    expect(clockAt(NORMAL, '16:00').afterOpen).toBe(true);
    expect(clockAt(NORMAL, '23:00').afterOpen).toBe(true);
    expect(clockAt(EARLY, '18:00').afterOpen).toBe(true);
  });

  it('is false again after New York midnight', () => {
    expect(clockAt('2026-03-03', '00:00').afterOpen).toBe(false);
  });
});
