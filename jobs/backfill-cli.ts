import { parseArgs } from 'node:util';
import { closeDb, createDb } from '../shared/db/database.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { dayIndexOf } from '../shared/market/ny-time.js';
import { fillVolumeHistory, flatFilesFromConfig } from './history-fill.js';
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
the vendor lists. Requests are paced at 50/s, or 5/min with --free-plan (one every 12 s).
With FLATFILES_ACCESS_KEY and FLATFILES_SECRET_KEY set, the vendor's flat files come first (one file per
day for the whole market; with --symbols only those symbols are written), and REST fills only the days
they do not cover yet.`;

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
    const given = values.symbols === undefined ? undefined : parseSymbols(values.symbols);
    const universe = async () => {
      process.stdout.write('listing active tickers…\n');
      return (await listActiveTickers(rest, limiter, controller.signal)).map((t) => t.ticker);
    };
    const flatFiles = flatFilesFromConfig(config, logger);
    if (flatFiles !== undefined) process.stdout.write(`reading flat files from ${config.FLATFILES_URL}…\n`);
    const filled = await fillVolumeHistory({
      rest,
      db,
      flatFiles,
      symbols: given ?? universe,
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
    const elapsed = formatDuration((performance.now() - started) / 1000);
    const files = filled.flatFiles;
    if (files !== undefined) {
      const span = `${files.dates[0]}..${files.dates[files.dates.length - 1]}`;
      process.stdout.write(
        `flat files: ${files.dates.length} trading days (${span}): ${files.done - files.errors} read, ` +
          `${files.skipped} already complete, ${files.unpublished.length} not published yet, ` +
          `${files.errors} failed; ${files.daysWritten} symbol-days written (${files.rowsWritten} rows), ` +
          `${files.requests} requests\n`,
      );
      for (const f of files.failures) process.stderr.write(`  ${f.date}: ${f.error}\n`);
    }
    const result = filled.rest;
    if (result !== undefined) {
      const span = `${result.dates[0]}..${result.dates[result.dates.length - 1]}`;
      process.stdout.write(
        `backfill: ${result.skipped + result.total} symbols × ${result.dates.length} trading days (${span}): ` +
          `${result.daysWritten} symbol-days written (${result.rowsWritten} rows), ` +
          `${result.skipped} symbols already complete, ${result.errors} failed, ` +
          `${limiter.taken} requests in ${elapsed}\n`,
      );
    } else process.stdout.write(`done in ${elapsed}\n`);
    const outcome = {
      failures: result?.failures ?? [],
      errors: result?.errors ?? 0,
      aborted: filled.aborted,
    };
    return reportOutcome(outcome, 'run the same command again to finish (completed days are kept)');
  } finally {
    printer.finish();
    await closeDb(db);
  }
});
