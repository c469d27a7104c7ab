import type { ListName } from '../scan/lists.js';
import { uniform, type Rng } from './random.js';

/**
 * The stories a day trader would recognise, as scripts: a price path (percent from the previous close at New
 * York times, linear in between), volume multipliers over time windows, an optional trading halt, and how
 * much of the ticker's own noise stays on top. Every number is drawn from ranges, so each day's gappers and
 * runners look different; the shapes are what makes them the kind they are.
 *
 * The list thresholds they are written against (SPEC §5): gappers ±2 %, momentum ±3 % during the session,
 * winners/losers ±5 %, anomalies (rvolSlot ?? rvol) ≥ 3, high_volume rvol ≥ 2, new highs/lows within 0.5 %
 * of the day's extreme, reversals ±2 % on the day against ≥ 1 % from the open.
 */

export const STORY_KINDS = [
  'news-gapper',
  'earnings-gap-down',
  'momentum-run',
  'gap-fade',
  'gap-reclaim',
  'block-buyer',
  'grinder',
  'slider',
  'halt',
  'after-hours-mover',
] as const;
export type StoryKind = (typeof STORY_KINDS)[number];

/** At New York minute of day `minute`, the price is `pct` % from the previous close. */
export type PathPoint = readonly [minute: number, pct: number];
/** Volume is `multiplier` × normal in [from, to) (New York minutes of day). */
export type VolumeBoost = readonly [from: number, to: number, multiplier: number];

export interface StoryScript {
  /** One line for people: what happens, when. */
  readonly summary: string;
  readonly path: readonly PathPoint[];
  readonly volume: readonly VolumeBoost[];
  /** No trades in [from, to): the price freezes. */
  readonly halt: { readonly from: number; readonly to: number } | null;
  /** Scales the ticker's idiosyncratic volatility: low for a tidy grinder, full for a news small cap. */
  readonly noise: number;
  /** The lists this story is written to show up in at some point of its day. */
  readonly lists: readonly ListName[];
  /** When the main action happens (NY minutes of day, inclusive): the news to the peak, the run, the halt… */
  readonly window: readonly [from: number, to: number];
}

export interface StoryKindDef {
  readonly kind: StoryKind;
  /** Expected stories of this kind per listed ticker per day (at least one a day in any universe). */
  readonly rate: number;
  /** Reference prices of the tickers it happens to: news runners are small caps, grinders are not. */
  readonly price: readonly [number, number];
  readonly script: (rng: Rng) => StoryScript;
}

const PREMARKET_START = hm('04:00');
const OPEN = hm('09:30');
const CLOSE = hm('16:00');
const POST_END = hm('20:00');

/** NY minute of day of 'HH:MM'. */
export function hm(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return h! * 60 + m!;
}

/** 'HH:MM' of a NY minute of day. */
export function fmt(minute: number): string {
  const m = Math.round(minute);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** A whole minute drawn uniformly in ['from', 'to']. */
function at(rng: Rng, from: string, to: string): number {
  return Math.round(uniform(rng, hm(from), hm(to)));
}

/** Mostly in the morning, when these stories cluster on a real tape; sometimes later in the day. */
function morningMostly(
  rng: Rng,
  morning: readonly [string, string],
  later: readonly [string, string],
): number {
  return rng() < 0.75 ? at(rng, ...morning) : at(rng, ...later);
}

function logUniform(rng: Rng, lo: number, hi: number): number {
  return lo * Math.exp(uniform(rng, 0, Math.log(hi / lo)));
}
/**
 * Volume of an analyst-call story (upgrade fade, downgrade reclaim): 10–15× from the news to the open,
 * 3–4× through 11:00, then 1.5× for the rest of the day.
 */
function analystCallVolume(rng: Rng, news: number): VolumeBoost[] {
  return [
    [news, OPEN, uniform(rng, 10, 15)],
    [OPEN, hm('11:00'), uniform(rng, 3, 4)],
    [hm('11:00'), POST_END, 1.5],
  ];
}

const pct = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)} %`;

export const STORY_DEFS: readonly StoryKindDef[] = [
  {
    kind: 'news-gapper',
    rate: 0.002,
    price: [1, 40],
    script: (rng) => {
      const news = at(rng, '06:00', '09:00');
      // Log-uniform: most news gappers are up 12–30 %, a few double-digit multiples of that.
      const jump = logUniform(rng, 12, 60);
      const peakAt = OPEN + Math.round(uniform(rng, 10, 55));
      const peak = jump * uniform(rng, 1.1, 1.35);
      const close = peak * uniform(rng, 0.7, 0.92);
      return {
        summary: `news at ${fmt(news)}: gaps ${pct(jump)} on heavy premarket volume, runs to ${pct(peak)} by ${fmt(peakAt)}, closes ${pct(close)}`,
        path: [
          [PREMARKET_START, 0],
          [news - 1, uniform(rng, -0.5, 1)],
          [news + 3, jump * 0.7],
          [news + 30, jump * 0.9],
          [OPEN - 1, jump * uniform(rng, 0.95, 1.08)],
          [peakAt, peak],
          [peakAt + 45, peak * uniform(rng, 0.82, 0.93)],
          [CLOSE, close],
          [POST_END, close * uniform(rng, 0.95, 1.03)],
        ],
        volume: [
          [news, OPEN, uniform(rng, 25, 50)],
          [OPEN, hm('11:00'), uniform(rng, 6, 10)],
          [hm('11:00'), CLOSE, uniform(rng, 2.5, 4)],
          [CLOSE, POST_END, 2],
        ],
        halt: null,
        noise: 1,
        lists: ['gappers_up', 'winners', 'momentum_up', 'high_volume', 'anomalies', 'new_highs'],
        window: [news, peakAt],
      };
    },
  },
  {
    kind: 'earnings-gap-down',
    rate: 0.0015,
    price: [10, 400],
    script: (rng) => {
      const news = at(rng, '07:00', '09:00');
      const gap = -uniform(rng, 8, 20);
      const bottomAt = at(rng, '10:40', '11:45');
      const bottom = gap * uniform(rng, 1.2, 1.5);
      return {
        summary: `earnings miss at ${fmt(news)}: gaps ${pct(gap)}, slides to ${pct(bottom)} by ${fmt(bottomAt)}`,
        path: [
          [PREMARKET_START, 0],
          [news - 1, uniform(rng, -0.3, 0.3)],
          [news + 3, gap * 0.8],
          [OPEN - 1, gap],
          [bottomAt, bottom],
          [CLOSE, bottom * uniform(rng, 0.88, 0.97)],
          [POST_END, bottom * uniform(rng, 0.88, 0.97)],
        ],
        volume: [
          [news, OPEN, uniform(rng, 15, 25)],
          [OPEN, hm('11:00'), uniform(rng, 4, 6)],
          [hm('11:00'), POST_END, 2.5],
        ],
        halt: null,
        noise: 0.6,
        lists: ['gappers_down', 'losers', 'momentum_down', 'new_lows', 'high_volume', 'anomalies'],
        window: [news, bottomAt],
      };
    },
  },
  {
    kind: 'momentum-run',
    rate: 0.002,
    price: [2, 150],
    script: (rng) => {
      const start = morningMostly(rng, ['09:40', '10:10'], ['10:30', '14:30']);
      const end = start + Math.round(uniform(rng, 35, 75));
      const run = uniform(rng, 8, 25);
      const settle = run * uniform(rng, 0.6, 0.8);
      return {
        summary: `quiet premarket, then runs ${fmt(start)}–${fmt(end)} to ${pct(run)} on heavy volume; settles ${pct(settle)}`,
        path: [
          [PREMARKET_START, 0],
          [OPEN, uniform(rng, -0.5, 1)],
          [start, uniform(rng, 0, 1.2)],
          [end, run],
          [end + 60, settle],
          [CLOSE, settle * uniform(rng, 0.9, 1.05)],
          [POST_END, settle],
        ],
        volume: [
          [start, end, uniform(rng, 6, 10)],
          [end, end + 60, 3],
          [end + 60, POST_END, 1.8],
        ],
        halt: null,
        noise: 0.7,
        lists: ['momentum_up', 'winners', 'gappers_up', 'new_highs', 'anomalies', 'high_volume'],
        window: [start, end],
      };
    },
  },
  {
    kind: 'gap-fade',
    rate: 0.001,
    price: [5, 300],
    script: (rng) => {
      const news = at(rng, '07:30', '09:00');
      const gap = uniform(rng, 6, 12);
      const opening = gap * uniform(rng, 1, 1.15);
      const fadeEnd = at(rng, '10:05', '10:45');
      const faded = Math.max(2.5, gap * uniform(rng, 0.3, 0.5));
      return {
        summary: `upgrade at ${fmt(news)}: opens ${pct(opening)}, fades to ${pct(faded)} by ${fmt(fadeEnd)}, well below its open`,
        path: [
          [PREMARKET_START, 0],
          [news - 1, uniform(rng, -0.2, 0.3)],
          [news + 10, gap * 0.8],
          [OPEN, opening],
          [OPEN + 5, opening * 0.97],
          [fadeEnd, faded],
          [CLOSE, faded * uniform(rng, 0.85, 1.1)],
          [POST_END, faded],
        ],
        volume: analystCallVolume(rng, news),
        halt: null,
        noise: 0.5,
        lists: ['reversals', 'gappers_up', 'winners', 'momentum_up', 'high_volume'],
        window: [news, fadeEnd],
      };
    },
  },
  {
    kind: 'gap-reclaim',
    rate: 0.001,
    price: [5, 300],
    script: (rng) => {
      const news = at(rng, '07:00', '09:00');
      const gap = -uniform(rng, 6, 11);
      const reclaimEnd = at(rng, '10:10', '10:50');
      const reclaimed = Math.min(-2.5, gap * uniform(rng, 0.3, 0.5));
      return {
        summary: `downgrade at ${fmt(news)}: opens ${pct(gap)}, buyers step in and it recovers to ${pct(reclaimed)} by ${fmt(reclaimEnd)}`,
        path: [
          [PREMARKET_START, 0],
          [news - 1, uniform(rng, -0.3, 0.2)],
          [news + 5, gap * 0.8],
          [OPEN, gap],
          [OPEN + 10, gap * 1.05],
          [reclaimEnd, reclaimed],
          [CLOSE, reclaimed * uniform(rng, 0.8, 1.1)],
          [POST_END, reclaimed],
        ],
        volume: analystCallVolume(rng, news),
        halt: null,
        noise: 0.5,
        lists: ['reversals', 'gappers_down', 'losers', 'momentum_down', 'high_volume'],
        window: [news, reclaimEnd],
      };
    },
  },
  {
    kind: 'block-buyer',
    rate: 0.001,
    price: [15, 600],
    script: (rng) => {
      const start = morningMostly(rng, ['09:50', '10:35'], ['11:00', '15:00']);
      const end = start + Math.round(uniform(rng, 20, 40));
      const drift = uniform(rng, 0.3, 1.2);
      const multiplier = uniform(rng, 10, 20);
      return {
        summary: `block buying ${fmt(start)}–${fmt(end)}: ${multiplier.toFixed(0)}× normal volume while the price barely moves`,
        path: [
          [PREMARKET_START, 0],
          [start, uniform(rng, -0.3, 0.3)],
          [end, drift],
          [CLOSE, drift * 0.8],
          [POST_END, drift * 0.8],
        ],
        volume: [
          [start, end, multiplier],
          [end, end + 20, 3],
        ],
        halt: null,
        noise: 0.35,
        lists: ['anomalies', 'high_volume'],
        window: [start, end],
      };
    },
  },
  {
    kind: 'grinder',
    rate: 0.0015,
    price: [20, 800],
    script: (rng) => {
      const close = uniform(rng, 3, 6);
      return {
        summary: `steady grind from flat at the open to ${pct(close)} at the close, printing new highs all day`,
        path: [
          [PREMARKET_START, 0],
          [OPEN, uniform(rng, -0.2, 0.3)],
          [CLOSE, close],
          [POST_END, close + 0.1],
        ],
        volume: [[OPEN, CLOSE, 1.3]],
        halt: null,
        noise: 0.12,
        lists: ['new_highs', 'gappers_up', 'momentum_up'],
        window: [OPEN, CLOSE],
      };
    },
  },
  {
    kind: 'slider',
    rate: 0.0015,
    price: [20, 800],
    script: (rng) => {
      const close = -uniform(rng, 3, 6);
      return {
        summary: `steady slide from flat at the open to ${pct(close)} at the close, printing new lows all day`,
        path: [
          [PREMARKET_START, 0],
          [OPEN, uniform(rng, -0.3, 0.2)],
          [CLOSE, close],
          [POST_END, close - 0.1],
        ],
        volume: [[OPEN, CLOSE, 1.3]],
        halt: null,
        noise: 0.12,
        lists: ['new_lows', 'gappers_down', 'momentum_down'],
        window: [OPEN, CLOSE],
      };
    },
  },
  {
    kind: 'halt',
    rate: 0.0004,
    price: [1, 25],
    script: (rng) => {
      const spike = at(rng, '09:45', '10:15');
      const haltFrom = spike + Math.round(uniform(rng, 8, 14));
      const haltTo = haltFrom + Math.round(uniform(rng, 25, 60));
      const top = uniform(rng, 12, 25);
      const resumed = top * uniform(rng, 0.6, 0.9);
      return {
        summary: `spikes to ${pct(top)} from ${fmt(spike)}, halted ${fmt(haltFrom)}–${fmt(haltTo)} (news pending: no trades, price frozen), resumes near ${pct(resumed)}`,
        path: [
          [PREMARKET_START, 0],
          [spike, uniform(rng, 0, 1)],
          [haltFrom, top],
          [haltTo + 1, resumed],
          [haltTo + 45, resumed * uniform(rng, 0.9, 1.05)],
          [CLOSE, resumed * uniform(rng, 0.8, 1)],
          [POST_END, resumed * 0.8],
        ],
        volume: [
          [spike, haltFrom, uniform(rng, 12, 20)],
          [haltTo, haltTo + 45, 8],
          [haltTo + 45, POST_END, 2.5],
        ],
        halt: { from: haltFrom, to: haltTo },
        noise: 1,
        lists: ['gappers_up', 'winners', 'momentum_up', 'high_volume', 'anomalies'],
        window: [spike, haltTo],
      };
    },
  },
  {
    kind: 'after-hours-mover',
    rate: 0.0015,
    price: [10, 800],
    script: (rng) => {
      const news = at(rng, '16:05', '16:40');
      const move = (rng() < 0.5 ? -1 : 1) * uniform(rng, 5, 15);
      const atClose = uniform(rng, -0.5, 0.5);
      return {
        summary: `earnings after the bell at ${fmt(news)}: moves ${pct(move)} in post-market (and gaps the next morning)`,
        path: [
          [PREMARKET_START, 0],
          [CLOSE, atClose],
          [news, atClose],
          [news + 5, move * 0.8],
          [news + 60, move],
          [POST_END, move * uniform(rng, 0.9, 1.1)],
        ],
        volume: [
          [news, news + 90, uniform(rng, 8, 15)],
          [news + 90, POST_END, 3],
        ],
        halt: null,
        noise: 0.6,
        lists: move > 0 ? ['gappers_up', 'winners'] : ['gappers_down', 'losers'],
        window: [news, news + 60],
      };
    },
  },
];
