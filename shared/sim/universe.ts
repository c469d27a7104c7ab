import type { TickerMetadata } from '../scan/metadata.js';
import {
  CORPORATE_SUFFIXES,
  ETF_ISSUERS,
  ETF_THEMES,
  NAME_HEADS,
  NAME_MIDDLES,
  NAME_TAILS,
  NAME_WORDS,
  SECTORS,
  type IndustryDef,
} from './names.js';
import { intBetween, normal, pick, pickWeighted, stream, uniform, type Rng } from './random.js';

/**
 * The simulated universe: `count` listed tickers with a realistic cross-section (log-normal prices from
 * $0.50 to $1,000, heavy-tailed volumes, sectors, exchanges, ~8 % ETFs, share counts, floats, betas).
 *
 * Ticker `i` is drawn from its own stream, so a universe of n tickers is the first n of any larger one (the
 * only coupling is symbol uniqueness, resolved in index order). Everything here is static reference data;
 * what happens on a given day lives in the day model.
 */

/** A simulated listed ticker: its reference data plus the parameters the day model needs. */
export interface SimTicker {
  readonly index: number;
  readonly symbol: string;
  readonly companyName: string;
  readonly exchange: string;
  readonly sector: string | null;
  readonly industry: string | null;
  readonly isEtf: boolean;
  /** Reference price: previous closes wander around it from day to day. */
  readonly price: number;
  /** A normal day's volume, shares (what avgVolume30d approximates). */
  readonly avgVolume: number;
  readonly sharesOutstanding: number | null;
  readonly floatShares: number | null;
  /** Beta to the simulated market factor. */
  readonly beta: number;
  /** Idiosyncratic daily volatility (sd of the close-to-close log return). */
  readonly dailyVol: number;
  /** Average shares per trade: sets trade counts (`n`, `z`). */
  readonly tradeSize: number;
  /** Quoted spread in basis points of the price (at least one tick). */
  readonly spreadBps: number;
}

export interface Universe {
  readonly tickers: readonly SimTicker[];
  readonly indexBySymbol: ReadonlyMap<string, number>;
}

export const DEFAULT_UNIVERSE_SIZE = 12_000;
/** Every 12th ticker is an ETF: ≈ 8 % of the list, evenly spread so any prefix has its share. */
const ETF_EVERY = 12;

const MIN_PRICE = 0.5;
const MAX_PRICE = 1000;
/** Stock prices: log-normal around $18; ETFs around $60. */
const STOCK_PRICE_MEDIAN = 18;
const STOCK_PRICE_LOG_SD = 1.25;
const ETF_PRICE_MEDIAN = 60;
const ETF_PRICE_LOG_SD = 0.8;
/** Daily volume: log-normal with a fat right tail (a few names trade tens of millions of shares). */
const STOCK_VOLUME_MEDIAN = 350_000;
const STOCK_VOLUME_LOG_SD = 1.5;
const ETF_VOLUME_MEDIAN = 250_000;
const ETF_VOLUME_LOG_SD = 1.9;
const MIN_VOLUME = 3_000;
const MAX_VOLUME = 150_000_000;
/** Share of the shares outstanding traded on a normal day (log-uniform). */
const DAILY_TURNOVER: readonly [number, number] = [0.002, 0.03];
const FLOAT_SHARE: readonly [number, number] = [0.55, 0.98];
/** A fifth of small caps are "low float": insiders hold most of the stock. */
const LOW_FLOAT_SHARE: readonly [number, number] = [0.15, 0.5];
const LOW_FLOAT_ODDS = 0.2;
const SMALL_CAP = 300e6;
/**
 * Daily vol ≈ 1.8 % for a $20 stock with a $2B market cap, rising for smaller companies (cap^-0.15) and
 * cheaper shares (price^-0.15: a $1 biotech moves 5 % on a quiet day), ±25 % per name.
 */
const VOL_AT_2B = 0.018;
const VOL_CAP_REF = 2e9;
const VOL_CAP_EXPONENT = -0.15;
const VOL_PRICE_REF = 20;
const VOL_PRICE_EXPONENT = -0.15;
const VOL_LOG_SD = 0.25;
const MIN_DAILY_VOL = 0.006;
const MAX_DAILY_VOL = 0.12;
const ETF_IDIO_VOL: readonly [number, number] = [0.002, 0.006];
const STOCK_BETA_MEAN = 1.1;
const STOCK_BETA_SD = 0.4;
const STOCK_BETA_RANGE: readonly [number, number] = [0.2, 2.8];
/** Trade size shrinks with the price (people buy dollars, not shares): ~120 shares at $20. */
const TRADE_SIZE_AT_20 = 120;
const TRADE_SIZE_EXPONENT = 0.35;
const TRADE_SIZE_RANGE: readonly [number, number] = [20, 3000];
/** Spread ≈ 80 bp / √(dollar volume in $M), between 1 and 200 bp. */
const SPREAD_BPS_AT_1M = 80;
const SPREAD_BPS_RANGE: readonly [number, number] = [1, 200];

/** Listing venue odds for stocks, and the symbol lengths each venue's listings use. */
const STOCK_EXCHANGES: readonly (readonly [string, number])[] = [
  ['XNAS', 55],
  ['XNYS', 33],
  ['XASE', 7],
  ['BATS', 2],
  ['ARCX', 3],
];
const ETF_EXCHANGES: readonly (readonly [string, number])[] = [
  ['ARCX', 70],
  ['XNAS', 18],
  ['BATS', 12],
];
const SYMBOL_LENGTHS: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  XNYS: [
    [1, 1],
    [2, 12],
    [3, 80],
    [4, 7],
  ],
  XNAS: [
    [3, 8],
    [4, 88],
    [5, 4],
  ],
  XASE: [
    [3, 60],
    [4, 40],
  ],
  BATS: [
    [3, 50],
    [4, 50],
  ],
  ARCX: [
    [3, 60],
    [4, 40],
  ],
};
/** A few NYSE companies list two share classes ("BRK.A"-style). */
const CLASS_SHARE_ODDS = 0.02;
/** Nasdaq's fifth letter: Y = ADR, F = foreign ordinary shares. */
const FIFTH_LETTERS = ['Y', 'F'] as const;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SYMBOL_ATTEMPTS = 40;
const VOWELS = new Set(['A', 'E', 'I', 'O', 'U']);

/** Builds the universe of `count` tickers for `seed`. */
export function buildUniverse(seed: number, count: number = DEFAULT_UNIVERSE_SIZE): Universe {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`tickers must be ≥ 1, got ${count}`);
  const taken = new Set<string>();
  const tickers: SimTicker[] = [];
  for (let i = 0; i < count; i++) tickers.push(drawTicker(seed, i, taken));
  return { tickers, indexBySymbol: new Map(tickers.map((t) => [t.symbol, t.index])) };
}

/** The universe's metadata rows (SPEC §2), in universe order. */
export function universeMetadata(u: Universe, seed: number): TickerMetadata[] {
  return u.tickers.map((t) => {
    // The averages are a month's worth of days, so they sit a few percent off the model's normal day.
    const rng = stream(seed, `metadata:${t.index}`);
    return {
      symbol: t.symbol,
      companyName: t.companyName,
      exchange: t.exchange,
      sector: t.sector,
      industry: t.industry,
      marketCap: t.sharesOutstanding === null ? null : Math.round(t.sharesOutstanding * t.price),
      floatShares: t.floatShares,
      sharesOutstanding: t.sharesOutstanding,
      avgVolume30d: Math.round(t.avgVolume * uniform(rng, 0.93, 1.07)),
      avgVolume10d: Math.round(t.avgVolume * uniform(rng, 0.85, 1.15)),
      avgPrice30d: roundCents(t.price * uniform(rng, 0.94, 1.06)),
      beta: Math.round(t.beta * 100) / 100,
      isEtf: t.isEtf,
      isActivelyTrading: true,
    };
  });
}

function drawTicker(seed: number, index: number, taken: Set<string>): SimTicker {
  const rng = stream(seed, `ticker:${index}`);
  const isEtf = index % ETF_EVERY === 0;
  const exchange = pickWeighted(rng, isEtf ? ETF_EXCHANGES : STOCK_EXCHANGES);
  const price = roundCents(
    isEtf
      ? logNormalIn(rng, ETF_PRICE_MEDIAN, ETF_PRICE_LOG_SD)
      : logNormalIn(rng, STOCK_PRICE_MEDIAN, STOCK_PRICE_LOG_SD),
  );
  const avgVolume = Math.round(
    isEtf
      ? logNormalIn(rng, ETF_VOLUME_MEDIAN, ETF_VOLUME_LOG_SD, MIN_VOLUME, MAX_VOLUME)
      : logNormalIn(rng, STOCK_VOLUME_MEDIAN, STOCK_VOLUME_LOG_SD, MIN_VOLUME, MAX_VOLUME),
  );
  const dollarVolumeM = (price * avgVolume) / 1e6;
  const spreadBps = clamp(SPREAD_BPS_AT_1M / Math.sqrt(dollarVolumeM), ...SPREAD_BPS_RANGE);
  const tradeSize = Math.round(
    clamp(
      TRADE_SIZE_AT_20 * (20 / price) ** TRADE_SIZE_EXPONENT * uniform(rng, 0.7, 1.4),
      ...TRADE_SIZE_RANGE,
    ),
  );
  if (isEtf) {
    const theme = pick(rng, ETF_THEMES);
    const companyName = `${pick(rng, ETF_ISSUERS)} ${theme.name} ETF`;
    return {
      index,
      symbol: uniqueSymbol(rng, companyName, exchange, taken),
      companyName,
      exchange,
      // Metadata sources give funds no sector, industry or float: nulls exercise the "unknown" paths.
      sector: null,
      industry: null,
      isEtf: true,
      price,
      avgVolume,
      sharesOutstanding: null,
      floatShares: null,
      beta: uniform(rng, ...theme.beta),
      dailyVol: uniform(rng, ...ETF_IDIO_VOL),
      tradeSize,
      spreadBps,
    };
  }
  const sector = pickWeighted(
    rng,
    SECTORS.map((s) => [s, s.weight] as const),
  );
  const industry = pick(rng, sector.industries);
  const companyName = companyNameFor(rng, industry);
  const shares = Math.round(avgVolume / logUniform(rng, ...DAILY_TURNOVER));
  const cap = shares * price;
  const lowFloat = cap < SMALL_CAP && rng() < LOW_FLOAT_ODDS;
  const dailyVol = clamp(
    VOL_AT_2B *
      (cap / VOL_CAP_REF) ** VOL_CAP_EXPONENT *
      (price / VOL_PRICE_REF) ** VOL_PRICE_EXPONENT *
      Math.exp(VOL_LOG_SD * normal(rng)),
    MIN_DAILY_VOL,
    MAX_DAILY_VOL,
  );
  return {
    index,
    symbol: uniqueSymbol(rng, companyName, exchange, taken),
    companyName,
    exchange,
    sector: sector.name,
    industry: industry.name,
    isEtf: false,
    price,
    avgVolume,
    sharesOutstanding: shares,
    floatShares: Math.round(shares * uniform(rng, ...(lowFloat ? LOW_FLOAT_SHARE : FLOAT_SHARE))),
    beta: clamp(STOCK_BETA_MEAN + STOCK_BETA_SD * normal(rng), ...STOCK_BETA_RANGE),
    dailyVol,
    tradeSize,
    spreadBps,
  };
}

function companyNameFor(rng: Rng, industry: IndustryDef): string {
  const first =
    rng() < 0.6
      ? `${pick(rng, NAME_HEADS)}${pick(rng, NAME_MIDDLES)}${pick(rng, NAME_TAILS)}`
      : pick(rng, NAME_WORDS);
  return `${first} ${pick(rng, industry.words)} ${pick(rng, CORPORATE_SUFFIXES)}`;
}

/**
 * A symbol that looks like an abbreviation of the name ("Novaxa Therapeutics" → NVXT), with the length the
 * venue's listings use; falls back to random letters when every abbreviation is taken.
 */
function uniqueSymbol(rng: Rng, name: string, exchange: string, taken: Set<string>): string {
  const lengths = SYMBOL_LENGTHS[exchange] ?? SYMBOL_LENGTHS['XNAS']!;
  const letters = name.toUpperCase().replace(/[^A-Z]/g, '');
  for (let attempt = 0; attempt < SYMBOL_ATTEMPTS; attempt++) {
    const length = pickWeighted(rng, lengths);
    const fifth = length === 5 ? pick(rng, FIFTH_LETTERS) : '';
    const base =
      attempt < SYMBOL_ATTEMPTS / 2
        ? abbreviate(rng, letters, length - fifth.length)
        : randomLetters(rng, length - fifth.length);
    const classShare = exchange === 'XNYS' && length <= 3 && rng() < CLASS_SHARE_ODDS;
    const symbol = `${base}${fifth}${classShare ? pick(rng, ['.A', '.B']) : ''}`;
    if (!taken.has(symbol)) {
      taken.add(symbol);
      return symbol;
    }
  }
  // Four random letters: 457 k combinations, so this only loops for absurd universe sizes.
  for (;;) {
    const symbol = randomLetters(rng, 4);
    if (!taken.has(symbol)) {
      taken.add(symbol);
      return symbol;
    }
  }
}

/** The name's first letter, then `length − 1` later letters, consonants preferred. */
function abbreviate(rng: Rng, letters: string, length: number): string {
  let out = letters[0] ?? pick(rng, [...LETTERS]);
  let pos = 1;
  while (out.length < length && pos < letters.length) {
    const remainingNeeded = length - out.length;
    const remainingLetters = letters.length - pos;
    const ch = letters[pos]!;
    const keep = remainingLetters <= remainingNeeded || rng() < (VOWELS.has(ch) ? 0.15 : 0.55);
    if (keep) out += ch;
    pos++;
  }
  while (out.length < length) out += pick(rng, [...LETTERS]);
  return out;
}

function randomLetters(rng: Rng, length: number): string {
  let s = '';
  for (let k = 0; k < length; k++) s += LETTERS[intBetween(rng, 0, LETTERS.length - 1)];
  return s;
}

/** Log-normal around `median`, redrawn until inside [lo, hi] (clamping would pile names up at the bounds). */
function logNormalIn(rng: Rng, median: number, logSd: number, lo = MIN_PRICE, hi = MAX_PRICE): number {
  for (;;) {
    const v = median * Math.exp(logSd * normal(rng));
    if (v >= lo && v <= hi) return v;
  }
}

function logUniform(rng: Rng, lo: number, hi: number): number {
  return Math.exp(uniform(rng, Math.log(lo), Math.log(hi)));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Sub-dollar names quote in hundredths of a cent, the rest in cents (Reg NMS tick sizes). */
function roundCents(p: number): number {
  return p < 1 ? Math.round(p * 10_000) / 10_000 : Math.round(p * 100) / 100;
}
