import { errorBody, FAULTS, type Json } from './rest-data.js';

/*
 * The vendor's plans as the fake plays them (docs/vendor.md §9.2, from §2.1, §3,
 * §4.1 and §7): what each refuses, how it labels and thins its data. The three are the tiers a scanner can
 * meet, not every plan on the price list:
 *
 *   free      Basic: no snapshots (403 NOT_AUTHORIZED), 5 REST requests per minute (429), end-of-day
 *             aggregates only (403 for today), no WebSocket data (every subscription `error` "not authorized").
 *   delayed   Starter: data 15 minutes late (`status: "DELAYED"`), no `lastTrade`/`lastQuote` in snapshots,
 *             the delayed cluster's channels (Q, LULD, NOI are real-time only).
 *   realtime  Advanced (the default): everything the market source has, as it has it.
 *
 * The per-minute limit is counted per API key over a sliding minute of *admitted* requests, so a client that
 * backs off gets through again after the minute; the vendor's own bookkeeping is not documented.
 */

export const PLANS = ['free', 'delayed', 'realtime'] as const;
export type Plan = (typeof PLANS)[number];

export interface PlanRules {
  /** Full-market, single-ticker and gainers/losers snapshots. */
  readonly snapshots: boolean;
  /** REST requests per key per sliding minute; undefined = unlimited. */
  readonly requestsPerMinute: number | undefined;
  /** Aggregates whose range reaches today (the free plan is end-of-day only). */
  readonly todaysAggregates: boolean;
  /** `status` of successful bodies. */
  readonly status: 'OK' | 'DELAYED';
  /** How far behind the market the data is, in market ms (REST snapshots and the WebSocket stream). */
  readonly dataDelayMs: number;
  /** Snapshot row keys the plan leaves out. */
  readonly omittedSnapshotKeys: readonly string[];
  /** WebSocket channels refused with `error` / "not authorized". */
  readonly refusedChannels: readonly string[];
}

/** The 15 minutes of the delayed feeds (docs/vendor.md §2.1: `delayed.massive.com`). */
export const DELAYED_BY_MS = 15 * 60_000;
const FREE_REQUESTS_PER_MINUTE = 5;
/** Every stocks channel of the WebSocket spec (§2.3): the free plan gets none of them. */
const STOCK_CHANNELS = ['A', 'AM', 'T', 'Q', 'LULD', 'NOI', 'FMV'] as const;

export const PLAN_RULES: Readonly<Record<Plan, PlanRules>> = {
  free: {
    snapshots: false,
    requestsPerMinute: FREE_REQUESTS_PER_MINUTE,
    todaysAggregates: false,
    status: 'OK',
    dataDelayMs: 0,
    omittedSnapshotKeys: [],
    refusedChannels: STOCK_CHANNELS,
  },
  delayed: {
    snapshots: true,
    requestsPerMinute: undefined,
    todaysAggregates: true,
    status: 'DELAYED',
    dataDelayMs: DELAYED_BY_MS,
    // Starter has no trades or quotes in its snapshots; `fmv` is for Business plans only (§3).
    omittedSnapshotKeys: ['lastTrade', 'lastQuote', 'fmv'],
    refusedChannels: ['Q', 'LULD', 'NOI'],
  },
  realtime: {
    snapshots: true,
    requestsPerMinute: undefined,
    todaysAggregates: true,
    status: 'OK',
    dataDelayMs: 0,
    omittedSnapshotKeys: [],
    refusedChannels: [],
  },
};

export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}

/** The vendor's 403 for a free plan asking for today's bars (§4.1). */
export const todayNotEntitledBody = (): string =>
  errorBody(
    'NOT_AUTHORIZED',
    'message',
    "Attempted to request today's data before end of day. Please upgrade your plan at https://polygon.io/pricing",
  );

/** A refusal the plan gives instead of the answer: status and body, as the vendor sends them. */
export interface PlanRefusal {
  readonly status: number;
  readonly body: string;
}

const MINUTE_MS = 60_000;

/** The free plan's limit: admitted requests per key over the last minute of wall time. */
export class RequestWindow {
  private readonly admitted = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly wallNow: () => number,
  ) {}

  /** True (and counted) when `key` may make one more request now. */
  admit(key: string): boolean {
    const now = this.wallNow();
    const recent = (this.admitted.get(key) ?? []).filter((t) => t > now - MINUTE_MS);
    const ok = recent.length < this.perMinute;
    if (ok) recent.push(now);
    this.admitted.set(key, recent);
    return ok;
  }
}

/**
 * Checks one REST request against the plan, before any data is looked at: the rate limit first (every
 * route counts), then entitlement. `reachesToday` says whether an aggregates range ends today or later.
 */
export function planRefusal(
  rules: PlanRules,
  window: RequestWindow | undefined,
  key: string,
  route: string,
  reachesToday: () => boolean,
): PlanRefusal | undefined {
  if (window !== undefined && !window.admit(key)) return refusalOf(FAULTS.rateLimited());
  if (!rules.snapshots && (route === 'snapshot' || route === 'tickerSnapshot' || route === 'gainersLosers'))
    return refusalOf(FAULTS.notEntitled());
  if (!rules.todaysAggregates && route === 'aggregates' && reachesToday())
    return { status: 403, body: todayNotEntitledBody() };
  return undefined;
}

function refusalOf(fault: ReturnType<typeof FAULTS.notEntitled>): PlanRefusal {
  if (fault.kind !== 'status') throw new Error('a plan refusal is a status fault');
  return { status: fault.status, body: fault.body };
}

/** A snapshot row as the plan shows it: a shallow copy without the keys the plan leaves out. */
export function rowForPlan(rules: PlanRules, row: Json): Json {
  if (rules.omittedSnapshotKeys.length === 0) return row;
  const copy = { ...row };
  for (const key of rules.omittedSnapshotKeys) delete copy[key];
  return copy;
}
