import type { ListName } from './lists.js';
import type { ScanCondition, ScanDefinition } from './scan-definition.js';
import type { ListThresholds } from './settings.js';

/**
 * The 11 built-in lists of SPEC §5 written in the scan language (SPEC §13): data, with the thresholds and the
 * limit from the configuration (settings.ts), so GAPPER_MIN_PCT and the others still tune them. Each preset's
 * id is its list's name, in LIST_NAMES order. scan-presets.test.ts proves on simulated markets in every
 * session that the evaluator gives exactly the kernel's lists (members, order, keys).
 *
 * How each table row of §5 becomes conditions without loss:
 * - "changePercent ≤ −x" is `changePercent <= -x` (negation is exact for doubles);
 * - "abs(v) ≤ x" is the two bounds `v >= -x` and `v <= x`;
 * - "session = MARKET_OPEN" is the scan's `sessions`;
 * - "(rvolSlot ?? rvol)" is the named derived field `anomalyRvol`;
 * - reversals' "or" is two groups.
 * Ties break by symbol asc in both, and a null sort key excludes the ticker in both.
 */
export function presetScans(t: ListThresholds, listLimit: number): (ScanDefinition & { id: ListName })[] {
  const c = (field: string, op: ScanCondition['op'], value: number): ScanCondition => ({ field, op, value });
  const base = { limit: listLimit, sessions: [] as ScanDefinition['sessions'] };
  const byChange = (dir: 'asc' | 'desc') => ({ field: 'changePercent', dir });
  return [
    {
      ...base,
      id: 'gappers_up',
      name: 'Gappers up',
      where: [[c('changePercent', '>=', t.gapperPct)]],
      sort: byChange('desc'),
    },
    {
      ...base,
      id: 'gappers_down',
      name: 'Gappers down',
      where: [[c('changePercent', '<=', -t.gapperPct)]],
      sort: byChange('asc'),
    },
    {
      ...base,
      id: 'momentum_up',
      name: 'Momentum up',
      where: [[c('changePercent', '>=', t.momentumPct)]],
      sort: byChange('desc'),
      sessions: ['MARKET_OPEN'],
    },
    {
      ...base,
      id: 'momentum_down',
      name: 'Momentum down',
      where: [[c('changePercent', '<=', -t.momentumPct)]],
      sort: byChange('asc'),
      sessions: ['MARKET_OPEN'],
    },
    {
      ...base,
      id: 'winners',
      name: 'Winners',
      where: [[c('changePercent', '>=', t.winnerPct)]],
      sort: byChange('desc'),
    },
    {
      ...base,
      id: 'losers',
      name: 'Losers',
      where: [[c('changePercent', '<=', -t.winnerPct)]],
      sort: byChange('asc'),
    },
    {
      ...base,
      id: 'anomalies',
      name: 'Volume anomalies',
      where: [[c('anomalyRvol', '>=', t.anomalyRvol)]],
      sort: { field: 'anomalyRvol', dir: 'desc' },
    },
    {
      ...base,
      id: 'high_volume',
      name: 'High volume',
      where: [[c('rvol', '>=', t.highVolumeRvol)]],
      sort: { field: 'volumeToday', dir: 'desc' },
    },
    {
      ...base,
      id: 'new_highs',
      name: 'Near the high',
      where: [[c('priceFromHigh', '>=', -t.nearExtremePct), c('priceFromHigh', '<=', t.nearExtremePct)]],
      sort: { field: 'priceFromHigh', dir: 'asc', abs: true },
    },
    {
      ...base,
      id: 'new_lows',
      name: 'Near the low',
      where: [[c('priceFromLow', '>=', -t.nearExtremePct), c('priceFromLow', '<=', t.nearExtremePct)]],
      sort: { field: 'priceFromLow', dir: 'asc', abs: true },
    },
    {
      ...base,
      id: 'reversals',
      name: 'Reversals',
      where: [
        [c('changePercent', '>=', t.reversalChangePct), c('gapFromOpen', '<=', -t.reversalFromOpenPct)],
        [c('changePercent', '<=', -t.reversalChangePct), c('gapFromOpen', '>=', t.reversalFromOpenPct)],
      ],
      sort: { field: 'gapFromOpen', dir: 'desc', abs: true },
    },
  ];
}
