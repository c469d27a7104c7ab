import { FIRST_SLOT_MINUTE } from '../market/session-clock.js';
import type { DayShape } from './day-shape.js';
import { DAY_MINUTES } from './day-shape.js';
import { stream } from './random.js';
import { STORY_DEFS, type PathPoint, type StoryKind, type StoryScript } from './story-scripts.js';
import type { Universe } from './universe.js';

/**
 * Which tickers carry which story on a given day, and the scripts compiled to per-minute arrays.
 *
 * The cast is drawn from a stream keyed by (seed, date) over a shuffled universe; each story's numbers come
 * from a stream keyed by (seed, date, ticker), so the cast and the scripts are pure functions of the date.
 * The per-minute arrays are built on first use: price levels need many past days' stories, but only their
 * close and post-market returns.
 */

/** Single precision halves the footprint; 1e-7 of a log return is far below a cent at any simulated price. */
export interface StoryArrays {
  /** Log return from the previous close at each minute boundary: index k is 04:00 + k minutes (0 … 960). */
  readonly logPath: Float32Array;
  /** Volume multiplier of each minute (0 while halted). */
  readonly volume: Float32Array;
}

export class Story {
  /** Log return from the previous close at the regular close. */
  readonly closeReturn: number;
  /** Log return from the regular close to the end of post-market: it carries into the next day's gap. */
  readonly postReturn: number;
  private compiled: StoryArrays | undefined;

  constructor(
    readonly kind: StoryKind,
    readonly index: number,
    readonly symbol: string,
    readonly script: StoryScript,
    private readonly shape: DayShape,
  ) {
    const close = logReturnAt(script.path, FIRST_SLOT_MINUTE + shape.closeMinute);
    this.closeReturn = close;
    this.postReturn = logReturnAt(script.path, FIRST_SLOT_MINUTE + shape.endMinute) - close;
  }

  get noise(): number {
    return this.script.noise;
  }

  arrays(): StoryArrays {
    this.compiled ??= compile(this.script, this.shape);
    return this.compiled;
  }

  /**
   * The same arrays, not kept unless they already were: for a one-off read such as the volume history, which
   * reads each past day's stories once. Cached, the five history days' arrays (≈ 8 KB a story, ≈ 1.6 MB a day
   * at 15,000 tickers) would stay in the day contexts for as long as the simulator lives.
   */
  arraysOnce(): StoryArrays {
    return this.compiled ?? compile(this.script, this.shape);
  }
}

/** The day's stories by universe index. */
export function assignStories(seed: number, shape: DayShape, universe: Universe): ReadonlyMap<number, Story> {
  const { tickers } = universe;
  const n = tickers.length;
  const rng = stream(seed, `cast:${shape.date}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const stories = new Map<number, Story>();
  for (const def of STORY_DEFS) {
    const wanted = Math.max(1, Math.round(n * def.rate));
    const chosen: number[] = [];
    const take = (fits: (i: number) => boolean): void => {
      for (let k = 0; k < n && chosen.length < wanted; k++) {
        const i = order[k]!;
        if (!stories.has(i) && !chosen.includes(i) && !tickers[i]!.isEtf && fits(i)) chosen.push(i);
      }
    };
    const [lo, hi] = def.price;
    take((i) => tickers[i]!.price >= lo && tickers[i]!.price <= hi);
    // A small universe may have no ticker in the kind's price range: any stock a scanner shows will do.
    take((i) => tickers[i]!.price >= MIN_STORY_PRICE);
    for (const i of chosen) {
      const script = def.script(stream(seed, `story:${shape.date}:${i}`));
      stories.set(i, new Story(def.kind, i, tickers[i]!.symbol, script, shape));
    }
  }
  return stories;
}

/** Stories avoid sub-dollar names, which the usual "tradable price" filter hides. */
const MIN_STORY_PRICE = 1;

/** Percent from the previous close on a path at a NY minute (piecewise linear, flat outside). */
export function pathPct(path: readonly PathPoint[], minuteOfDay: number): number {
  const first = path[0]!;
  if (minuteOfDay <= first[0]) return first[1];
  for (let k = 1; k < path.length; k++) {
    const [m1, p1] = path[k]!;
    if (minuteOfDay <= m1) {
      const [m0, p0] = path[k - 1]!;
      return m1 === m0 ? p1 : p0 + ((p1 - p0) * (minuteOfDay - m0)) / (m1 - m0);
    }
  }
  return path[path.length - 1]![1];
}

function logReturnAt(path: readonly PathPoint[], minuteOfDay: number): number {
  return Math.log1p(pathPct(path, minuteOfDay) / 100);
}

function compile(script: StoryScript, shape: DayShape): StoryArrays {
  const logPath = new Float32Array(DAY_MINUTES + 1);
  for (let k = 0; k <= DAY_MINUTES; k++) logPath[k] = logReturnAt(script.path, FIRST_SLOT_MINUTE + k);
  const volume = new Float32Array(DAY_MINUTES).fill(1);
  for (const [from, to, multiplier] of script.volume) {
    for (
      let mod = Math.max(from, FIRST_SLOT_MINUTE);
      mod < to && mod - FIRST_SLOT_MINUTE < DAY_MINUTES;
      mod++
    )
      volume[mod - FIRST_SLOT_MINUTE]! *= multiplier;
  }
  if (script.halt) {
    for (let mod = script.halt.from; mod < script.halt.to; mod++) {
      const m = mod - FIRST_SLOT_MINUTE;
      // The closing print always happens (see day-model), so a halt never covers the last regular minute.
      if (m >= 0 && m < shape.closeMinute - 1) volume[m] = 0;
    }
  }
  return { logPath, volume };
}
