import type { MarketCalendar } from '../../shared/market/calendar.js';
import { addDays, nyTime, nyWallClockToUtcMs } from '../../shared/market/ny-time.js';
import { marketClock } from '../../shared/market/session-clock.js';
import type { SimBar } from '../../shared/sim/bars.js';
import type { Simulator } from '../../shared/sim/simulator.js';
import type { TickerMetadata } from '../../shared/scan/metadata.js';
import type { FakeRestData, Json } from './rest-data.js';
import { SIC_BY_INDUSTRY } from './sim-sic.js';

/*
 * The fake vendor's reference, history and market-status endpoints over the simulator's whole universe
 * (reference §4–§6), consistent with what its snapshots and WebSocket show: the tickers list and details are
 * the simulator's own metadata (SIC codes standing in for its sectors, sim-sic.ts), the minute and daily bars
 * are its tape (shared/sim/bars.ts: minute volumes add up to its volume history, daily closes chain into the
 * next day's previous close), and the market status and holidays come from its calendar and clock.
 *
 * Cost: one ticker-day of bars is ≈ 0.6 ms of simulation, computed per request for the requested days only
 * (never the whole market). Daily bars of finished days are cached, so the metadata job's 30-day averages
 * and a second run cost a map lookup per day.
 */

type Bar = { readonly t: number } & Json;

/** Finished days' daily bars kept (≈ 100 B each: 12,000 tickers × 40 days fit). */
const DAY_BAR_CACHE = 600_000;
/** The vendor's list says when a row last changed; the simulated universe never does. */
const LAST_UPDATED = '2026-01-02T00:00:00Z';
const LIST_DATE = '2010-01-04';

export class SimRestData implements Partial<FakeRestData> {
  private readonly calendar: MarketCalendar;
  private readonly bySymbol: ReadonlyMap<string, TickerMetadata>;
  private listRows: readonly ({ readonly ticker: string } & Json)[] | undefined;
  private floatRows: readonly ({ readonly ticker: string } & Json)[] | undefined;
  private readonly dayBars = new Map<string, SimBar | null>();

  constructor(
    private readonly simulator: Simulator,
    /** The market's instant: what "today so far" and "published" mean. */
    private readonly now: () => number,
  ) {
    this.calendar = simulator.calendar;
    this.bySymbol = new Map(simulator.metadata().map((m) => [m.symbol, m]));
  }

  readonly tickers = (): readonly ({ readonly ticker: string } & Json)[] => {
    this.listRows ??= this.simulator.metadata().map((m) => ({
      ticker: m.symbol,
      name: m.companyName ?? m.symbol,
      market: 'stocks',
      locale: 'us',
      primary_exchange: m.exchange,
      type: m.isEtf === true ? 'ETF' : 'CS',
      active: true,
      currency_name: 'usd',
      last_updated_utc: LAST_UPDATED,
    }));
    return this.listRows;
  };

  readonly details = (ticker: string): Json | undefined => {
    const m = this.bySymbol.get(ticker);
    if (m === undefined) return undefined;
    const sic = m.industry === null ? undefined : SIC_BY_INDUSTRY[m.industry];
    return {
      ticker: m.symbol,
      name: m.companyName ?? m.symbol,
      market: 'stocks',
      locale: 'us',
      primary_exchange: m.exchange,
      type: m.isEtf === true ? 'ETF' : 'CS',
      active: true,
      currency_name: 'usd',
      list_date: LIST_DATE,
      round_lot: 100,
      ticker_root: m.symbol.split('.')[0],
      // Funds have no market cap, shares or SIC code at the vendor (reference §5.2), as in the simulator.
      ...(m.marketCap === null ? {} : { market_cap: m.marketCap }),
      ...(m.sharesOutstanding === null
        ? {}
        : {
            share_class_shares_outstanding: m.sharesOutstanding,
            weighted_shares_outstanding: m.sharesOutstanding,
          }),
      ...(sic === undefined ? {} : { sic_code: sic[0], sic_description: sic[1] }),
    };
  };

  readonly floats = (): readonly ({ readonly ticker: string } & Json)[] => {
    const effective = this.calendar.previousTradingDay(nyTime(this.now()).date);
    this.floatRows ??= this.simulator
      .metadata()
      .filter((m) => m.floatShares !== null && m.sharesOutstanding !== null)
      .map((m) => ({
        ticker: m.symbol,
        free_float: m.floatShares,
        free_float_percent: Math.round((m.floatShares! / m.sharesOutstanding!) * 10_000) / 100,
        effective_date: effective,
      }));
    return this.floatRows;
  };

  /** `range/1/minute` and `range/1/day` of the trading days in [fromMs, toMs], up to the market's now. */
  readonly bars = (
    ticker: string,
    multiplier: number,
    timespan: string,
    fromMs = Number.NEGATIVE_INFINITY,
    toMs = Number.POSITIVE_INFINITY,
  ): readonly Bar[] => {
    if (multiplier !== 1 || (timespan !== 'minute' && timespan !== 'day')) return [];
    if (!this.bySymbol.has(ticker)) return [];
    const now = this.now();
    const last = Math.min(toMs, now);
    if (!Number.isFinite(fromMs) || last < fromMs) return [];
    const bars: Bar[] = [];
    for (let date = nyTime(fromMs).date; date <= nyTime(last).date; date = addDays(date, 1)) {
      if (!this.calendar.isTradingDay(date)) continue;
      if (timespan === 'day') {
        const bar = this.dayBar(ticker, date, now);
        if (bar !== null && bar.t >= fromMs && bar.t <= toMs) bars.push(bar);
        continue;
      }
      const day = this.simulator.barsOf(ticker, date, { minutes: true, untilMs: now });
      for (const bar of day?.minutes ?? []) if (bar.t >= fromMs && bar.t <= toMs) bars.push(bar);
      if (day !== undefined && isFinished(date, now)) this.remember(ticker, date, day.day);
    }
    return bars;
  };

  /** `/v1/marketstatus/now` at the market's instant (reference §6.1). */
  readonly marketStatus = (): unknown => {
    const now = this.now();
    const session = marketClock(now, this.calendar).session;
    const market =
      session === 'MARKET_OPEN'
        ? 'open'
        : session === 'PRE_MARKET' || session === 'POST_MARKET'
          ? 'extended-hours'
          : 'closed';
    return {
      market,
      earlyHours: session === 'PRE_MARKET',
      afterHours: session === 'POST_MARKET',
      serverTime: rfc3339NewYork(now),
      exchanges: { nasdaq: market, nyse: market, otc: market },
      currencies: { fx: 'open', crypto: 'open' },
    };
  };

  /** `/v1/marketstatus/upcoming`: the calendar's closures and early closes of the next year, per exchange. */
  readonly upcoming = (): unknown => {
    const today = nyTime(this.now()).date;
    const until = addDays(today, 366);
    const year = Number(today.slice(0, 4));
    const rows: Json[] = [];
    for (const day of [...this.calendar.holidays(year), ...this.calendar.holidays(year + 1)]) {
      if (day.date < today || day.date > until) continue;
      for (const exchange of ['NYSE', 'NASDAQ', 'OTC']) {
        if (!day.earlyClose) {
          rows.push({ date: day.date, exchange, name: day.holiday ?? 'Holiday', status: 'closed' });
          continue;
        }
        rows.push({
          close: new Date(nyWallClockToUtcMs(day.date, day.closeMinuteOfDay!)).toISOString(),
          date: day.date,
          exchange,
          name: day.holiday ?? 'Early close',
          open: new Date(nyWallClockToUtcMs(day.date, 570)).toISOString(),
          status: 'early-close',
        });
      }
    }
    return rows;
  };

  private dayBar(ticker: string, date: string, now: number): SimBar | null {
    const key = `${ticker}\u0000${date}`;
    const cached = this.dayBars.get(key);
    if (cached !== undefined) return cached;
    const bar = this.simulator.barsOf(ticker, date, { untilMs: now })?.day ?? null;
    if (isFinished(date, now)) this.remember(ticker, date, bar);
    return bar;
  }

  private remember(ticker: string, date: string, bar: SimBar | null): void {
    if (this.dayBars.size >= DAY_BAR_CACHE) this.dayBars.clear();
    this.dayBars.set(`${ticker}\u0000${date}`, bar);
  }
}

/** Whether the whole trading day (to 20:00 New York) is over at `now`. */
function isFinished(date: string, now: number): boolean {
  return now >= nyWallClockToUtcMs(date, 20 * 60);
}

/** `2026-03-02T10:15:00-05:00`: RFC 3339 with New York's offset, as the vendor's `serverTime`. */
export function rfc3339NewYork(ms: number): string {
  const t = nyTime(ms);
  const wallMs = Date.parse(`${t.date}T00:00:00Z`) + Math.round(t.minuteOfDay * 60_000);
  const offsetMin = Math.round((wallMs - ms) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const pad = (n: number) => String(n).padStart(2, '0');
  const wall = new Date(Math.floor(wallMs / 1000) * 1000).toISOString().slice(0, 19);
  return `${wall}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
