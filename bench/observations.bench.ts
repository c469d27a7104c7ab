import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Memory of the per-ticker observations before and after the ring (observations-child.ts), in one fresh
 * process per event rate so that both structures are measured by the same run:
 *
 *   npx tsx bench/observations.bench.ts [tickers] [event period ms…]
 */
export function benchObservations(tickers: number, everyMs: number): Record<string, number | string>[] {
  const compiled = import.meta.url.endsWith('.js');
  const child = path.join(import.meta.dirname, compiled ? 'observations-child.js' : 'observations-child.ts');
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', ...(compiled ? [] : ['--import', 'tsx']), child, String(tickers), String(everyMs)],
    { encoding: 'utf8' },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number | string>);
}

if (process.argv[1] === import.meta.filename) {
  const [tickers = '15000', ...periods] = process.argv.slice(2);
  for (const every of periods.length > 0 ? periods : ['1000', '5000'])
    console.table(benchObservations(Number(tickers), Number(every)));
}
