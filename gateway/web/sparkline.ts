/*
 * The detail drawer's intraday sparkline as an SVG path, pure so that it is tested without a browser. Time runs
 * left to right on a real scale (a gap in the persisted scans stays a gap in width, not squeezed away); price
 * bottom to top between the day's low and high, with a small margin so the line never touches the edge.
 */

export interface PricePoint {
  /** ms since the epoch. */
  readonly t: number;
  readonly price: number;
}

export interface Sparkline {
  /** `M x y L x y …`, in a `width` × `height` box; '' with fewer than two points. */
  readonly path: string;
  readonly low: number;
  readonly high: number;
  readonly first: number;
  readonly last: number;
}

const round = (v: number) => Math.round(v * 10) / 10;

export function sparkline(points: readonly PricePoint[], width: number, height: number): Sparkline | null {
  if (points.length === 0) return null;
  const prices = points.map((p) => p.price);
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  const first = points[0]!;
  const last = points.at(-1)!;
  if (points.length < 2) return { path: '', low, high, first: first.price, last: last.price };
  const pad = 2;
  const span = last.t - first.t || 1;
  const range = high - low || 1;
  // A flat day is drawn at mid-height rather than along the bottom edge.
  const y = (p: number) => (high === low ? height / 2 : pad + (1 - (p - low) / range) * (height - 2 * pad));
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${round(((p.t - first.t) / span) * width)} ${round(y(p.price))}`)
    .join(' ');
  return { path, low, high, first: first.price, last: last.price };
}
