import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Resident memory of the orchestrator's state in a fresh process (see rss-child.ts). */
export function benchRss(tickers: number): Record<string, number> {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(import.meta.dirname, 'rss-child.ts'), String(tickers)],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
}
