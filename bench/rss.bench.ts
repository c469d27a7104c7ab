import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Resident memory of the orchestrator's state in a fresh process (see rss-child.ts). */
export function benchRss(tickers: number): Record<string, number> {
  // Under `npm run bench:compiled` the child is the compiled build too.
  const compiled = import.meta.url.endsWith('.js');
  const child = path.join(import.meta.dirname, compiled ? 'rss-child.js' : 'rss-child.ts');
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', ...(compiled ? [] : ['--import', 'tsx']), child, String(tickers)],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
}
