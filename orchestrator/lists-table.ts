import type { ScanRow } from '../shared/protocol/messages.js';
import type { ListName } from '../shared/scan/lists.js';

const COLUMNS: ReadonlyArray<readonly [string, (r: ScanRow) => string]> = [
  ['#', (r) => String(r.rank)],
  ['symbol', (r) => r.symbol],
  ['price', (r) => r.price.toFixed(r.price < 1 ? 4 : 2)],
  ['chg%', (r) => fixed(r.changePercent, 2)],
  ['volume', (r) => (r.volumeToday === null ? '—' : compact(r.volumeToday))],
  ['rvol', (r) => fixed(r.rvol, 2)],
  ['rvol5m', (r) => fixed(r.rvolSlot, 2)],
  ['fromOpen%', (r) => fixed(r.gapFromOpen, 2)],
  ['score', (r) => r.score.toFixed(1)],
];

function fixed(v: number | null, digits: number): string {
  return v === null ? '—' : v.toFixed(digits);
}

function compact(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)}B`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}K`;
  return String(v);
}

/** The lists as aligned text tables for a terminal; values are rounded here only, for display. */
export function formatListsTable(
  lists: Readonly<Record<ListName, readonly ScanRow[]>>,
  maxRows = 10,
): string {
  const out: string[] = [];
  for (const [name, rows] of Object.entries(lists) as [ListName, readonly ScanRow[]][]) {
    out.push(`${name} (${rows.length})`);
    if (rows.length === 0) {
      out.push('  (empty)', '');
      continue;
    }
    const cells = [
      COLUMNS.map(([h]) => h),
      ...rows.slice(0, maxRows).map((r) => COLUMNS.map(([, f]) => f(r))),
    ];
    const widths = COLUMNS.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
    for (const row of cells)
      out.push(
        '  ' + row.map((v, c) => (c === 1 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '),
      );
    out.push('');
  }
  return out.join('\n');
}
