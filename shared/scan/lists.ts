/** The 11 top lists of SPEC §5, in publication order. */
export const LIST_NAMES = [
  'gappers_up',
  'gappers_down',
  'momentum_up',
  'momentum_down',
  'winners',
  'losers',
  'anomalies',
  'high_volume',
  'new_highs',
  'new_lows',
  'reversals',
] as const;
export type ListName = (typeof LIST_NAMES)[number];
