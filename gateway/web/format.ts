import type { ScanRow, SourceState } from '../../shared/protocol/messages.js';
import type { ListName } from '../../shared/scan/lists.js';

/**
 * How the web page shows numbers, pure so that it is tested without a browser. Conventions of trading
 * screens: prices to the cent (to 1/100 of a cent under $1, where sub-penny quotes are allowed), signed
 * percentages, volumes abbreviated (1.2M), and an em dash for a value that does not exist (SPEC: null is
 * never 0).
 */

export const MISSING = '—';

export const LIST_TITLES: Readonly<Record<ListName, string>> = {
  gappers_up: 'Gappers up',
  gappers_down: 'Gappers down',
  momentum_up: 'Momentum up',
  momentum_down: 'Momentum down',
  winners: 'Winners',
  losers: 'Losers',
  anomalies: 'Volume anomalies',
  high_volume: 'High volume',
  new_highs: 'New highs',
  new_lows: 'New lows',
  reversals: 'Reversals',
};

/** A panel's title for any list name: a built-in list's title, `Scan mine` for `scan:mine`, else the name. */
export function listTitle(list: string): string {
  if (Object.hasOwn(LIST_TITLES, list)) return LIST_TITLES[list as ListName];
  return list.startsWith('scan:') ? `Scan ${list.slice(5)}` : list;
}

const SESSION_TITLES: Readonly<Record<ScanRow['session'], string>> = {
  PRE_MARKET: 'Pre-market',
  MARKET_OPEN: 'Market open',
  POST_MARKET: 'After hours',
  CLOSED: 'Market closed',
};

export const sessionTitle = (session: ScanRow['session']): string => SESSION_TITLES[session];

const fixed = (digits: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const CENTS = fixed(2);
const SUB_PENNY = fixed(4);
const ONE_DECIMAL = fixed(1);
const WHOLE = fixed(0);

/** 2 decimals with thousands separators; 4 decimals under $1. */
export function formatPrice(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return MISSING;
  return (Math.abs(v) < 1 ? SUB_PENNY : CENTS).format(v);
}

/** Signed, 2 decimals: +5.23%, -3.10%, 0.00%. */
export function formatPercent(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return MISSING;
  const text = CENTS.format(Math.abs(v));
  if (text === '0.00') return '0.00%';
  return `${v > 0 ? '+' : '-'}${text}%`;
}

/** 950, 12.3K, 1.2M, 3.4B, 2.9T: volumes, market caps, floats, dollar volumes. */
export function formatVolume(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return MISSING;
  const a = Math.abs(v);
  // Past 999.95 of a unit, one decimal would print 1000.0K: move to the next unit instead.
  if (a < 999.5) return WHOLE.format(v);
  if (a < 999_950) return `${ONE_DECIMAL.format(v / 1e3)}K`;
  if (a < 999_950_000) return `${ONE_DECIMAL.format(v / 1e6)}M`;
  if (a < 999_950_000_000) return `${ONE_DECIMAL.format(v / 1e9)}B`;
  return `${ONE_DECIMAL.format(v / 1e12)}T`;
}

/** A price difference, signed, with the price's decimals: +1.25, -0.0312. */
export function formatSignedPrice(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return MISSING;
  const text = formatPrice(Math.abs(v));
  return v > 0 ? `+${text}` : v < 0 ? `-${text}` : text;
}

/** A plain number to one decimal (a score, a position in the day's range). */
export function formatOne(v: number | null): string {
  return v === null || !Number.isFinite(v) ? MISSING : ONE_DECIMAL.format(v);
}

/** A ratio such as RVOL: 2 decimals, 1 from 10, none from 100 (3.45, 12.3, 145). */
export function formatRatio(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return MISSING;
  const a = Math.abs(v);
  return (a < 9.995 ? CENTS : a < 99.95 ? ONE_DECIMAL : WHOLE).format(v);
}

/** The gap a trader looks at in each session: from the previous close before the open, the opening gap
 * during the day, from the close after hours. */
export function gapPercent(row: ScanRow): number | null {
  if (row.session === 'PRE_MARKET') return row.gapPremarket;
  if (row.session === 'POST_MARKET') return row.gapPostmarket;
  return row.gapAtOpen;
}

/** `HH:MM:SS ET`, New York time (the market's clock, whatever the viewer's time zone). */
const NY_CLOCK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
export function formatClock(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${NY_CLOCK.format(t)} ET` : MISSING;
}

/** 4s ago, 2m ago, 3h ago, 5d ago (lists kept over a weekend are days old). */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** `HH:MM:SS ET` of an instant in ms (the New York clock in the header). */
export const formatNyTime = (ms: number): string => `${NY_CLOCK.format(ms)} ET`;

/**
 * RVOL as a trader should read it (SPEC §12): the number when there is one; otherwise say why there is none
 * rather than a bare dash — "warming" while the ticker lacks volume history, "no slot" outside 04:00–20:00 ET
 * and on non-trading days.
 */
export function rvolText(row: ScanRow): string {
  if (row.rvol !== null) return formatRatio(row.rvol);
  if (row.rvolState === 'warming') return 'warming';
  if (row.rvolState === 'no_slot') return 'no slot';
  return MISSING;
}

const RVOL_NOTES: Readonly<Record<ScanRow['rvolState'], string>> = {
  ok: '',
  warming: 'Not enough volume history for this ticker yet: RVOL appears once its history is loaded',
  no_slot: 'No RVOL outside 04:00–20:00 ET or on a non-trading day',
};

export const rvolPending = (row: ScanRow): boolean => row.rvol === null && row.rvolState !== 'ok';
export const rvolNote = (row: ScanRow): string => (row.rvol === null ? RVOL_NOTES[row.rvolState] : '');

/** The symbol's tooltip: the company, or that its reference data is missing (SPEC §12 `hasMetadata`). */
export function symbolNote(row: ScanRow): string {
  if (!row.hasMetadata) return 'No reference data for this ticker yet (company, sector, float)';
  return [row.companyName, row.sector, row.exchange].filter((v) => v !== null).join(' · ');
}

const SOURCE_TITLES: Readonly<Record<SourceState, string>> = {
  live: 'Live',
  stale: 'Stale: no fresh market data',
  closed: 'Market closed',
  down: 'Scanner down',
};

/** The freshness of the lists in words (SPEC §8): only `live` ever says "Live". */
export const sourceTitle = (source: SourceState): string => SOURCE_TITLES[source];

/** The header's age: `(4s ago)`, or `(data 3m old)` when the lists are not live, so it reads as a warning. */
export function freshnessAge(source: SourceState, ageMs: number | null): string {
  if (ageMs === null) return '';
  return source === 'live' ? `(${formatAge(ageMs)})` : `(data ${formatAge(ageMs).replace(' ago', ' old')})`;
}
