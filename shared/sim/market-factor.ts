import type { DayCurves, DayShape } from './day-shape.js';
import { DAY_MINUTES } from './day-shape.js';
import { drawKey, normalAt } from './random.js';

/**
 * The market factor of one trading day: a common log-return path every ticker follows with its beta, so that
 * ETFs track "the market" and a red day is red for most names. It is a Brownian bridge from the overnight
 * move at 04:00 to the day's close-to-close return at the close, with the intraday variance profile of
 * `DayCurves`, then a free walk through post-market.
 */
export interface MarketFactor {
  /** Log return versus the previous close at 04:00 (the overnight futures move). */
  readonly start: number;
  /** Log return versus the previous close at the end of each minute. */
  readonly path: Float64Array;
  /** Close-to-close log return (= path[closeMinute − 1]). */
  readonly close: number;
  /** Market-wide multiplier of every ticker's volume that day. */
  readonly volume: number;
}

const MARKET_TAG = 0x4d4b54;
const MARKET_DAILY_VOL = 0.009;
const MARKET_GAP_VOL = 0.004;
const MARKET_VOLUME_LOG_SD = 0.12;
const DRAW_GAP = 0;
const DRAW_CLOSE = 1;
const DRAW_VOLUME = 2;
const DRAW_MINUTES = 16;

function marketKey(seed: number, dayIndex: number): number {
  return drawKey(seed, MARKET_TAG, dayIndex);
}

/** The day's scalars without the path: price levels need many past days of them. */
export function marketScalars(seed: number, dayIndex: number): Omit<MarketFactor, 'path'> {
  const key = marketKey(seed, dayIndex);
  return {
    start: MARKET_GAP_VOL * normalAt(key, DRAW_GAP),
    close: MARKET_DAILY_VOL * normalAt(key, DRAW_CLOSE),
    volume: Math.exp(MARKET_VOLUME_LOG_SD * normalAt(key, DRAW_VOLUME)),
  };
}

export function marketFactor(
  seed: number,
  dayIndex: number,
  shape: DayShape,
  curves: DayCurves,
): MarketFactor {
  const key = marketKey(seed, dayIndex);
  const { start, close, volume } = marketScalars(seed, dayIndex);
  const path = new Float64Array(DAY_MINUTES);
  let level = start;
  for (let m = 0; m < DAY_MINUTES; m++) {
    level += bridgeStep(level, close, m, shape, curves, MARKET_DAILY_VOL, normalAt(key, DRAW_MINUTES + m));
    path[m] = level;
  }
  return { start, path, close, volume };
}

/**
 * One minute's increment of a Brownian bridge pinned at `target` at the end of the last regular minute
 * (and of a free walk after it): given the remaining variance V and this minute's share w, the increment is
 * N((target − level)·w/V, σ²·w·(1 − w/V)). At the last regular minute w = V, so the bridge lands exactly.
 */
export function bridgeStep(
  level: number,
  target: number,
  m: number,
  shape: DayShape,
  curves: DayCurves,
  sigma: number,
  z: number,
): number {
  const w = curves.variance[m]!;
  if (m >= shape.closeMinute) return sigma * Math.sqrt(w) * z;
  const share = w / curves.remainingVariance[m]!;
  return (target - level) * share + sigma * Math.sqrt(w * Math.max(0, 1 - share)) * z;
}
