import { parseArgs } from 'node:util';
import { closeDb, createDb } from '../shared/db/database.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { dayIndexOf } from '../shared/market/ny-time.js';
import { backfillVolumeSlots } from './backfill.js';
import {
  abortOnSignals,
  cliContext,
  EXIT,
  reportOutcome,
  parsePositiveInt,
  parseSymbols,
  rateFromFlags,
  runCli,
  UsageError,
} from './cli-common.js';
import { formatDuration, ProgressPrinter } from './cli-progress.js';
import { TokenBucket } from './rate-limiter.js';
import { listActiveTickers } from './vendor-paging.js';

const USAGE = `usage: npm run backfill -- (--symbols AAPL,MSFT | --all) [--days N] [--before YYYY-MM-DD]
                         [--concurrency 4] [--free-plan | --rate REQ_PER_SEC]

Fills volume_slots (the RVOL history) from the vendor's minute bars for the N trading days before
--before (default: today, New York). Resumable: (symbol, date) pairs already complete are skipped, so
rerun it after an interruption. --days defaults to RVOL_LOOKBACK_DAYS. --all takes every active US stock
the vendor lists. Requests are paced at 50/s, or 5/min with --free-plan (one every 12 s).`;

await runCli(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      symbols: { type: 'string' },
      all: { type: 'boolean', default: false },
      days: { type: 'string' },
      before: { type: 'string' },
      concurrency: { type: 'string' },
      'free-plan': { type: 'boolean', default: false },
      rate: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if ((values.symbols === undefined) === !values.all) throw new UsageError('give either --symbols or --all');
  if (values.before !== undefined) {
    try {
      dayIndexOf(values.before);
    } catch {
      throw new UsageError(`--before must be a YYYY-MM-DD date, got ${values.before}`);
    }
  }
  const { config, rest, logger } = cliContext('backfill');
  const days = parsePositiveInt('days', values.days, config.RVOL_LOOKBACK_DAYS);
  const concurrency = parsePositiveInt('concurrency', values.concurrency, 4);
  const limiter = new TokenBucket(rateFromFlags(values['free-plan'], values.rate));
  const controller = abortOnSignals();
  const db = createDb(config.DATABASE_URL);
  const printer = new ProgressPrinter();
  const started = performance.now();
  try {
    let symbols: string[];
    if (values.symbols !== undefined) symbols = parseSymbols(values.symbols);
    else {
      process.stdout.write('listing active tickers…\n');
      symbols = (await listActiveTickers(rest, limiter, controller.signal)).map((t) => t.ticker);
    }
    const result = await backfillVolumeSlots({
      rest,
      db,
      symbols,
      days,
      ...(values.before === undefined ? {} : { before: values.before }),
      calendar: new MarketCalendar(),
      concurrency,
      rateLimit: limiter,
      onProgress: printer.update,
      signal: controller.signal,
      logger,
    });
    printer.finish();
    const span = `${result.dates[0]}..${result.dates[result.dates.length - 1]}`;
    process.stdout.write(
      `backfill: ${symbols.length} symbols × ${result.dates.length} trading days (${span}): ` +
        `${result.daysWritten} symbol-days written (${result.rowsWritten} rows), ` +
        `${result.skipped} symbols already complete, ${result.errors} failed, ` +
        `${limiter.taken} requests in ${formatDuration((performance.now() - started) / 1000)}\n`,
    );
    return reportOutcome(result, 'run the same command again to finish (completed days are kept)');
  } finally {
    printer.finish();
    await closeDb(db);
  }
});
