import { parseArgs } from 'node:util';
import { closeDb, createDb } from '../shared/db/database.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import {
  abortOnSignals,
  cliContext,
  EXIT,
  reportOutcome,
  parsePositiveInt,
  parseSymbols,
  rateFromFlags,
  runCli,
} from './cli-common.js';
import { formatDuration, ProgressPrinter } from './cli-progress.js';
import { refreshMetadata } from './metadata-refresh.js';
import { TokenBucket } from './rate-limiter.js';

const USAGE = `usage: npm run metadata -- [--symbols AAPL,MSFT] [--with-averages] [--concurrency 4]
                         [--free-plan | --rate REQ_PER_SEC]

Refreshes ticker_metadata from the vendor's reference data: name, exchange, type (ETF), market cap,
shares outstanding, SIC industry and sector, free float. Default: every active US stock (one details
request each). --with-averages also computes avgVolume30d/10d and avgPrice30d from daily bars (one more
request per ticker); without it the stored averages are kept. Requests are paced at 50/s, or 5/min with
--free-plan (one every 12 s: use --symbols there).`;

await runCli(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      symbols: { type: 'string' },
      'with-averages': { type: 'boolean', default: false },
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
  const symbols = values.symbols === undefined ? undefined : parseSymbols(values.symbols);
  const concurrency = parsePositiveInt('concurrency', values.concurrency, 4);
  const rateLimit = rateFromFlags(values['free-plan'], values.rate);
  const { config, rest, logger } = cliContext('metadata');
  const limiter = new TokenBucket(rateLimit);
  const controller = abortOnSignals();
  const db = createDb(config.DATABASE_URL);
  const printer = new ProgressPrinter();
  const started = performance.now();
  try {
    const result = await refreshMetadata({
      rest,
      db,
      symbols,
      withAverages: values['with-averages'],
      rateLimit: limiter,
      concurrency,
      onProgress: printer.update,
      signal: controller.signal,
      logger,
      calendar: new MarketCalendar(),
    });
    printer.finish();
    process.stdout.write(
      `metadata: ${result.written} rows written for ${result.total} tickers, ${result.errors} with errors, ` +
        `free float ${result.floats === null ? 'unavailable (kept the stored values)' : `for ${result.floats}`}, ` +
        `${result.requests} requests in ${formatDuration((performance.now() - started) / 1000)}\n`,
    );
    return reportOutcome(result, 'the tickers done so far are saved; run again to refresh the rest');
  } finally {
    printer.finish();
    await closeDb(db);
  }
});
