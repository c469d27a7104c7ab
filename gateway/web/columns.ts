import type { ScanRow } from '../../shared/protocol/messages.js';
import {
  formatClock,
  formatOne,
  formatPercent,
  formatPrice,
  formatRatio,
  formatSignedPrice,
  formatVolume,
  gapPercent,
  MISSING,
  rvolNote,
  rvolPending,
  rvolText,
  symbolNote,
} from './format.js';

/**
 * Every column a panel can show: one per row field of the protocol (SPEC §8, scanRowSchema) and the session's
 * gap, each with how it reads (format.ts), how it sorts, and its colour. Pure data, so that the table, the
 * column chooser and the sort all agree, and a test proves no row field is left out.
 */

export type Tone = 'up' | 'down' | undefined;
export type ColumnKey = keyof ScanRow | 'gap';
/** `rank` and numbers are right-aligned in a monospace face; `sym` is bold; `text` is plain. */
export type ColumnKind = 'rank' | 'sym' | 'num' | 'text';
/** What a column sorts by: numbers and strings compare; null (no value) always sorts last. */
export type SortValue = number | string | null;

export interface Column {
  readonly key: ColumnKey;
  readonly label: string;
  /** Tooltip of the header, and the column chooser's description. */
  readonly title: string;
  readonly kind: ColumnKind;
  readonly text: (row: ScanRow) => string;
  readonly value: (row: ScanRow) => SortValue;
  readonly tone?: (row: ScanRow) => Tone;
  /** Tooltip of the cell ('' for none). */
  readonly cellTitle?: (row: ScanRow) => string;
  /** The value is not ready (SPEC §12): the cell is shown muted, and its tooltip says why. */
  readonly pending?: (row: ScanRow) => boolean;
}

const toneOf = (v: number | null): Tone => (v === null || v === 0 ? undefined : v > 0 ? 'up' : 'down');

type NumberField = {
  [K in keyof ScanRow]: ScanRow[K] extends number | null ? K : never;
}[keyof ScanRow];
type TextField = {
  [K in keyof ScanRow]: ScanRow[K] extends string | null ? K : never;
}[keyof ScanRow];

const num = (
  key: NumberField,
  label: string,
  title: string,
  format: (v: number | null) => string,
  toned = false,
): Column => ({
  key,
  label,
  title,
  kind: 'num',
  text: (r) => format(r[key]),
  value: (r) => r[key],
  ...(toned ? { tone: (r: ScanRow) => toneOf(r[key]) } : {}),
});
const pct = (key: NumberField, label: string, title: string): Column =>
  num(key, label, title, formatPercent, true);
const text = (key: TextField, label: string, title: string): Column => ({
  key,
  label,
  title,
  kind: 'text',
  text: (r) => r[key] ?? MISSING,
  value: (r) => r[key],
});
const yesNo = (v: boolean | null): string => (v === null ? MISSING : v ? 'yes' : 'no');

const ALL: readonly Column[] = [
  {
    key: 'rank',
    label: '#',
    title: 'Rank in this list (the server’s order)',
    kind: 'rank',
    text: (r) => String(r.rank),
    value: (r) => r.rank,
  },
  {
    key: 'symbol',
    label: 'Symbol',
    title: 'Ticker (hover for the company, click for its detail)',
    kind: 'sym',
    text: (r) => r.symbol,
    value: (r) => r.symbol,
    cellTitle: symbolNote,
    pending: (r) => !r.hasMetadata,
  },
  text('companyName', 'Company', 'Company name'),
  num('price', 'Price', 'Last price', formatPrice),
  num('change', 'Chg', 'Change from the previous close, in dollars', formatSignedPrice, true),
  pct('changePercent', 'Chg %', 'Change from the previous close'),
  {
    key: 'rvol',
    label: 'RVOL',
    title: 'Relative volume at this time of day',
    kind: 'num',
    text: rvolText,
    value: (r) => r.rvol,
    cellTitle: rvolNote,
    pending: rvolPending,
  },
  num('rvolSlot', 'RVOL 5m', 'Relative volume of the current 5-minute slot', formatRatio),
  {
    key: 'rvolState',
    label: 'RVOL state',
    title: 'ok, warming (not enough history yet) or no slot (outside 04:00–20:00 ET)',
    kind: 'text',
    text: (r) => (r.rvolState === 'no_slot' ? 'no slot' : r.rvolState),
    value: (r) => r.rvolState,
  },
  {
    key: 'gap',
    label: 'Gap %',
    title: 'Pre-market: from the previous close; day: opening gap; after hours: from the close',
    kind: 'num',
    text: (r) => formatPercent(gapPercent(r)),
    value: gapPercent,
    tone: (r) => toneOf(gapPercent(r)),
  },
  pct('gapAtOpen', 'Open gap %', 'The opening gap: open against the previous close'),
  pct('gapPremarket', 'Pre gap %', 'Pre-market change from the previous close'),
  pct('gapPostmarket', 'Post gap %', 'After-hours change from the close'),
  pct('gapFromOpen', 'From open %', 'Price against the open'),
  num('gapFromOpenDollars', 'From open', 'Price against the open, in dollars', formatSignedPrice, true),
  num('volumeToday', 'Volume', 'Volume today', formatVolume),
  num('volume5m', 'Vol 5m', 'Shares traded in the last 5 minutes', formatVolume),
  num('dollarVolume', '$ Vol', 'Price × volume today', formatVolume),
  num('volumeRatio', 'Vol ratio', 'Volume today over the 30-day average volume', formatRatio),
  num('floatRotation', 'Float rot', 'Volume today over the float', formatRatio),
  pct('change1m', 'Chg 1m %', 'Price against 1 minute ago'),
  pct('change5m', 'Chg 5m %', 'Price against 5 minutes ago'),
  pct('change15m', 'Chg 15m %', 'Price against 15 minutes ago'),
  pct('priceFromHigh', 'From high %', 'Price against the day’s high (≤ 0)'),
  pct('priceFromLow', 'From low %', 'Price against the day’s low (≥ 0)'),
  num(
    'rangePosition',
    'Range pos',
    'Where the price sits between the day’s low (0) and high (100)',
    formatOne,
  ),
  num('vwap', 'VWAP', 'Today’s volume-weighted average price', formatPrice),
  pct('priceFromVwap', 'From VWAP %', 'Price against VWAP'),
  num('spreadPercent', 'Spread %', 'Ask − bid over the midpoint, in percent', (v) =>
    formatPercent(v).replace('+', ''),
  ),
  num('bid', 'Bid', 'Best bid', formatPrice),
  num('ask', 'Ask', 'Best ask', formatPrice),
  num('open', 'Open', 'Today’s open', formatPrice),
  num('high', 'High', 'Today’s high', formatPrice),
  num('low', 'Low', 'Today’s low', formatPrice),
  num('prevClose', 'Prev close', 'The previous session’s close', formatPrice),
  num('marketCap', 'Mkt cap', 'Market capitalisation, in dollars', formatVolume),
  num('floatShares', 'Float', 'Shares in the float', formatVolume),
  num('score', 'Score', 'Scanner score', formatOne),
  {
    key: 'scoreRank',
    label: 'Score #',
    title: 'Position in the whole market’s score ranking',
    kind: 'rank',
    text: (r) => String(r.scoreRank),
    value: (r) => r.scoreRank,
  },
  text('sector', 'Sector', 'Sector'),
  text('industry', 'Industry', 'Industry'),
  text('exchange', 'Exch', 'Listing exchange (MIC)'),
  {
    key: 'isEtf',
    label: 'ETF',
    title: 'An exchange-traded fund',
    kind: 'text',
    text: (r) => yesNo(r.isEtf),
    value: (r) => (r.isEtf === null ? null : Number(r.isEtf)),
  },
  {
    key: 'hasMetadata',
    label: 'Ref data',
    title: 'Whether the scanner has reference data (company, sector, float) for the ticker',
    kind: 'text',
    text: (r) => yesNo(r.hasMetadata),
    value: (r) => Number(r.hasMetadata),
  },
  {
    key: 'filtersMatched',
    label: 'Filters',
    title: 'The global filters the ticker passed',
    kind: 'text',
    text: (r) => r.filtersMatched.join(', ') || MISSING,
    value: (r) => r.filtersMatched.join(','),
  },
  {
    key: 'session',
    label: 'Session',
    title: 'The market session of the row',
    kind: 'text',
    text: (r) => r.session.replace('_', ' ').toLowerCase(),
    value: (r) => r.session,
  },
  {
    key: 'updatedAt',
    label: 'Updated',
    title: 'When the row’s data last changed (New York time)',
    kind: 'text',
    text: (r) => formatClock(r.updatedAt),
    value: (r) => r.updatedAt,
  },
];

export const COLUMNS: ReadonlyMap<ColumnKey, Column> = new Map(ALL.map((c) => [c.key, c]));

/** Every column key, in the order the chooser lists them and a panel shows them. */
export const COLUMN_KEYS: readonly ColumnKey[] = ALL.map((c) => c.key);

/** What a new panel shows: the numbers a momentum trader reads first. */
export const DEFAULT_COLUMNS: readonly ColumnKey[] = [
  'rank',
  'symbol',
  'price',
  'changePercent',
  'rvol',
  'gap',
  'volumeToday',
  'score',
];

export const isColumnKey = (k: unknown): k is ColumnKey =>
  typeof k === 'string' && COLUMNS.has(k as ColumnKey);

/** `keys` in the canonical column order (a column added from the chooser goes where it belongs). */
export const inColumnOrder = (keys: Iterable<ColumnKey>): ColumnKey[] => {
  const wanted = new Set(keys);
  return COLUMN_KEYS.filter((k) => wanted.has(k));
};
