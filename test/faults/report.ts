import { appendFileSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';

/** One fault case's outcome: the line it prints and the summary table's row. */
export interface CaseResult {
  readonly name: string;
  readonly criterion: string;
  /** The measured figures, e.g. `first message 2.1 s after restart, 0 rows lost`. */
  readonly figure: string;
  readonly pass: boolean;
}

export function formatLine(r: CaseResult): string {
  return `${r.pass ? 'PASS' : 'FAIL'}  ${r.name} | ${r.criterion} | ${r.figure}`;
}

/**
 * Prints the case's one line now and keeps it for the summary table printed when the run ends. Call it before
 * the case's assertions, so a failing case still reports what it measured.
 */
export function record(r: CaseResult): void {
  process.stdout.write(`\n[fault] ${formatLine(r)}\n`);
  // Where global-setup.ts collects the results (one JSON line each).
  appendFileSync(inject('faultsReportFile'), `${JSON.stringify(r)}\n`);
}

/** The summary table: one row per case, in the order of their names (numbered). */
export function summaryTable(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'fault suite: no case reported\n';
  }
  const rows = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CaseResult)
    // vitest picks the file order; the table follows the cases' numbers.
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const cols = [
    ['result', ...rows.map((r) => (r.pass ? 'PASS' : 'FAIL'))],
    ['case', ...rows.map((r) => r.name)],
    ['criterion', ...rows.map((r) => r.criterion)],
    ['figure', ...rows.map((r) => r.figure)],
  ];
  const widths = cols.map((c) => Math.max(...c.map((s) => s.length)));
  const line = (i: number) => cols.map((c, j) => c[i]!.padEnd(widths[j]!)).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const body = rows.map((_, i) => line(i + 1));
  const failed = rows.filter((r) => !r.pass).length;
  return [
    '',
    'Fault suite summary',
    line(0),
    rule,
    ...body,
    '',
    `${rows.length - failed} passed, ${failed} failed`,
    '',
  ].join('\n');
}
