import type { Session } from '../scan/sessions.js';
import { OPEN_MINUTE, type MarketCalendar } from './calendar.js';
import { MS_PER_MINUTE, nyTime } from './ny-time.js';

/**
 * Session and RVOL slot of an instant (SPEC §1 sessions, §3.1 slots), computed locally from the clock and the
 * calendar — no vendor call per scan. All comparisons are in integer milliseconds of the NY day so that
 * boundaries are exact (04:02:30 is exactly half of slot 0, 09:29:59.999 is still pre-market).
 */

export const SLOT_MINUTES = 5;
export const SLOTS_PER_DAY = 192;
/** 04:00, the start of slot 0 and of pre-market. */
export const FIRST_SLOT_MINUTE = 240;

/** Post-market lasts four hours after the close (SPEC §1): until 20:00, or 17:00 after an early close. */
export const POST_MARKET_MINUTES = 240;
/** Length of one RVOL slot in milliseconds. */
export const SLOT_MS = SLOT_MINUTES * MS_PER_MINUTE;

const FIRST_SLOT_MS = FIRST_SLOT_MINUTE * MS_PER_MINUTE;
const SLOTS_END_MS = FIRST_SLOT_MS + SLOTS_PER_DAY * SLOT_MS;
const OPEN_MS = OPEN_MINUTE * MS_PER_MINUTE;

export interface MarketClock {
  readonly ms: number;
  readonly date: string;
  readonly minuteOfDay: number;
  readonly tradingDay: boolean;
  readonly session: Session;
  /** RVOL slot: null when not a trading day or at/after 20:00; -1 before 04:00 on a trading day; else 0..191 */
  readonly slot: number | null;
  /** elapsed fraction of the slot in [0,1); 0 when slot is null or -1 */
  readonly slotFraction: number;
  /** true from 09:30 on (the opening gap exists) on a trading day */
  readonly afterOpen: boolean;
}

/**
 * The market clock at UTC instant `ms` (integer epoch milliseconds).
 *
 * On an early-close day the RVOL slots still run to 20:00 even though post-market ends at 17:00: the slot
 * grid is the same every trading day so that history rows line up by slot number.
 */
export function marketClock(ms: number, calendar: MarketCalendar): MarketClock {
  const t = nyTime(ms);
  const day = calendar.day(t.date);
  // minuteOfDay is msOfDay / 60000 correctly rounded, so this recovers the integer exactly.
  const msOfDay = Math.round(t.minuteOfDay * MS_PER_MINUTE);

  if (!day.trading || day.closeMinuteOfDay === null) {
    return {
      ms,
      date: t.date,
      minuteOfDay: t.minuteOfDay,
      tradingDay: false,
      session: 'CLOSED',
      slot: null,
      slotFraction: 0,
      afterOpen: false,
    };
  }

  const closeMs = Math.round(day.closeMinuteOfDay * MS_PER_MINUTE);
  let session: Session;
  if (msOfDay < FIRST_SLOT_MS) session = 'CLOSED';
  else if (msOfDay < OPEN_MS) session = 'PRE_MARKET';
  else if (msOfDay < closeMs) session = 'MARKET_OPEN';
  else if (msOfDay < closeMs + POST_MARKET_MINUTES * MS_PER_MINUTE) session = 'POST_MARKET';
  else session = 'CLOSED';

  let slot: number | null;
  let slotFraction = 0;
  if (msOfDay < FIRST_SLOT_MS) {
    slot = -1;
  } else if (msOfDay >= SLOTS_END_MS) {
    slot = null;
  } else {
    const sinceFirst = msOfDay - FIRST_SLOT_MS;
    slot = Math.floor(sinceFirst / SLOT_MS);
    slotFraction = (sinceFirst - slot * SLOT_MS) / SLOT_MS;
  }

  return {
    ms,
    date: t.date,
    minuteOfDay: t.minuteOfDay,
    tradingDay: true,
    session,
    slot,
    slotFraction,
    afterOpen: msOfDay >= OPEN_MS,
  };
}
