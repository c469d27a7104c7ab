import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ReplayInputError } from '../shared/replay/errors.js';
import {
  parseFiltersJson,
  parseHistoryCsv,
  parseMetadataJson,
  type BadInputHandler,
} from '../shared/replay/inputs.js';
import { runReplay } from '../shared/replay/replay.js';
import { parseScansJson } from '../shared/replay/scans-input.js';
import type { ScanOutcome } from '../shared/scan/engine.js';
import { loadScanVariables, scanSettingsFromConfig } from '../shared/scan/settings.js';
import { formatListsTable } from './lists-table.js';

const USAGE = `usage: npm run replay -- --recording day.ndjson [--history slots.csv] [--metadata meta.json]
                       [--filters filters.json] [--scans scans.json] [--rows] [--out messages.ndjson] [--skip-bad]
                       [--until ISO-instant] [--table]

Runs the scanner over a recording (SPEC §10) without Redis or PostgreSQL and writes the published
messages as NDJSON (stdout unless --out); each scan of --scans is published as the list scan:<id>. --table prints the final lists as tables instead.
Of the environment (and .env) it reads only the scan settings (RVOL_*, MAX_FILTERED, LIST_LIMIT,
SCORE_*, list thresholds); the end-of-run summary on stderr shows the values used.`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      recording: { type: 'string' },
      history: { type: 'string' },
      metadata: { type: 'string' },
      filters: { type: 'string' },
      scans: { type: 'string' },
      rows: { type: 'boolean', default: false },
      out: { type: 'string' },
      'skip-bad': { type: 'boolean', default: false },
      until: { type: 'string' },
      table: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || !values.recording) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const read = (f: string) => readFileSync(f, 'utf8');
  const until = values.until === undefined ? undefined : Date.parse(values.until);
  if (until !== undefined && Number.isNaN(until))
    throw new UsageError(`--until ${values.until} is not an ISO instant`);
  // Only the scan settings: a variable replay does not use (GATEWAY_HOST, tokens…) cannot stop it.
  const variables = loadScanVariables();
  // --skip-bad covers the side inputs too (SPEC §10: bad input of any kind); they are read before the recording.
  const inputSkipped: string[] = [];
  const onBad: BadInputHandler | undefined = values['skip-bad']
    ? (e) => inputSkipped.push(e.message)
    : undefined;
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  const write = values.table ? () => {} : (line: string) => out.write(`${line}\n`);
  const lines = createInterface({ input: createReadStream(values.recording), crlfDelay: Infinity });
  let last: ScanOutcome | undefined;
  const started = performance.now();

  const summary = await runReplay({
    lines,
    file: values.recording,
    history: values.history ? parseHistoryCsv(read(values.history), values.history, onBad) : [],
    metadata: values.metadata ? parseMetadataJson(read(values.metadata), values.metadata, onBad) : [],
    filters: values.filters ? parseFiltersJson(read(values.filters), values.filters, onBad) : [],
    // Not covered by --skip-bad: a scan left out would silently change which lists the output has.
    scans: values.scans ? parseScansJson(read(values.scans), values.scans) : [],
    settings: scanSettingsFromConfig(variables),
    rows: values.rows,
    skipBad: values['skip-bad'],
    ...(until === undefined ? {} : { until }),
    write,
    onScan: (o) => (last = o),
  });

  if (values.table && last) {
    process.stdout.write(`Lists at ${last.ts} (${last.clock.session}), after ${summary.scans} scans:\n\n`);
    process.stdout.write(formatListsTable(last.lists));
  }
  if (values.out) {
    out.end();
    await once(out, 'finish');
  }
  const ms = (performance.now() - started).toFixed(0);
  const skipped = [...inputSkipped, ...summary.skipped];
  process.stderr.write(
    `replay: ${summary.events} events, ${summary.scans} scans, ${summary.messages} messages, ${summary.alerts} alerts in ${ms} ms` +
      (summary.noPriceRows ? `, ${summary.noPriceRows} rows without a price` : '') +
      (skipped.length ? `, ${skipped.length} bad lines/rows skipped:\n  ${skipped.join('\n  ')}` : '') +
      '\n' +
      `replay: settings ${Object.entries(variables)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ')}\n`,
  );
  return 0;
}

/** Errors a person can fix from the message alone: no stack trace for them. */
function isUserError(e: unknown): e is Error {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  return (
    e instanceof ReplayInputError ||
    e instanceof UsageError ||
    (e instanceof Error && e.name === 'ConfigError') ||
    code === 'ENOENT' ||
    code.startsWith('ERR_PARSE_ARGS')
  );
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`replay: ${isUserError(e) ? e.message : ((e as Error)?.stack ?? String(e))}\n`);
    process.exitCode = 1;
  },
);
