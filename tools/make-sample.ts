/**
 * Generates the bundled sample market day for the replay tool (SPEC §10) from the market simulator
 * (`shared/sim`), so the sample and `FEED=sim` are the same market.
 *
 *   npx tsx tools/make-sample.ts [--out samples] [--seed 42] [--date 2026-03-02] [--tickers 20]
 *
 * writes `day.ndjson` (a recording: the simulator's full-market snapshot every 5 minutes from 04:00 to 19:55
 * New York — 5-minute spacing keeps the SPEC's rvolSlot honest, since it compares with the observation at
 * least 5 minutes old — plus, between 09:30 and 11:00, one line a minute with the `A` aggregate of the last
 * traded second of the minute for the day's hottest story tickers), `history.csv` (the simulator's 5-minute
 * cumulative volume for the 5 previous trading days), `metadata.json` and `filters.json`, so that
 *
 *   npm run replay -- --recording samples/day.ndjson --history samples/history.csv \
 *                     --metadata samples/metadata.json --filters samples/filters.json
 *
 * shows every one of the 11 lists populated at some point of the day. The recording is a `--tickers`-name
 * slice of the simulator's 12,000-ticker market (as the vendor's `tickers=` parameter would give): one story
 * of every kind (news gapper, earnings gap-down, momentum run, gap-and-fade, gap-and-reclaim, block buyer,
 * grinder, slider, halt, after-hours mover), preferring those in full swing at 10:30 — the moment `npm start`
 * shows — plus two ETFs and background stocks. It keeps the vendor's exact row shape, so its size grows with
 * the ticker count: 20 keeps `day.ndjson` under 2 MB.
 *
 * A few background tickers get holes on purpose, to exercise the scanner's edge paths: one is left out of
 * the metadata (SPEC §2: still scanned), one has no history (RVOL "warming" → null), one only 2 days of it,
 * and one background ticker plus the grinder miss a few history slots (carry-forward, SPEC §3.1).
 *
 * The same arguments always give byte-identical files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OPEN_MINUTE } from '../shared/market/calendar.js';
import { MS_PER_MINUTE, nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { FIRST_SLOT_MINUTE, SLOT_MINUTES, SLOTS_PER_DAY } from '../shared/market/session-clock.js';
import type { ScannerFilterInput } from '../shared/scan/filters-schema.js';
import type { VolumeSlot } from '../shared/scan/history.js';
import type { AggregateEvent } from '../shared/vendor/aggregate-schema.js';
import { Simulator, type StoryInfo } from '../shared/sim/simulator.js';
import { intBetween, pick, stream, type Rng } from '../shared/sim/random.js';
import { DEFAULT_UNIVERSE_SIZE } from '../shared/sim/universe.js';
import { STORY_KINDS, type StoryKind } from '../shared/sim/story-scripts.js';

export interface SampleOptions {
  /** Simulator seed; the same seed (and other options) gives byte-identical files. */
  readonly seed: number;
  /** The sample trading day, New York, 'YYYY-MM-DD'. */
  readonly date: string;
  /** Size of the simulated universe (every ticker is in every snapshot). */
  readonly tickers: number;
}

export const DEFAULT_OPTIONS: SampleOptions = { seed: 42, date: '2026-03-02', tickers: 20 };
export const DEFAULT_OUT_DIR = 'samples';

/** The generated files, by file name. */
export interface SampleFiles {
  readonly 'day.ndjson': string;
  readonly 'history.csv': string;
  readonly 'metadata.json': string;
  readonly 'filters.json': string;
}

export const SAMPLE_FILE_NAMES = ['day.ndjson', 'history.csv', 'metadata.json', 'filters.json'] as const;

/** Background tickers given a hole on purpose (see the module comment), in this order. */
export const SAMPLE_ROLES = ['noMetadata', 'noHistory', 'twoDaysHistory', 'missingSlots'] as const;
export type SampleRole = (typeof SAMPLE_ROLES)[number];

/** Two ETFs in every sample: index funds trade all day and exercise the null-sector / null-float paths. */
const SAMPLE_ETFS = 2;
/** Fewest tickers that hold one story of every kind, the ETFs and the roles. */
export const MIN_TICKERS = STORY_KINDS.length + SAMPLE_ETFS + SAMPLE_ROLES.length;

export const SNAPSHOT_EVERY_MINUTES = 5;
/** Hot-ticker aggregates are streamed between the open and 11:00, when the stories are busiest. */
const HOT_UNTIL_MINUTE = 11 * 60;
/** The stories whose morning is worth streaming second by second. */
const HOT_KINDS: readonly StoryKind[] = ['news-gapper', 'momentum-run', 'gap-fade', 'block-buyer', 'halt'];
/** The vendor publishes per-second bars about two seconds late (docs/vendor.md §2.3). */
const AGGREGATE_DELAY_MS = 2000;
/** Previous trading days of history, the SPEC's default RVOL lookback. */
const HISTORY_DAYS = 5;
/** Days of history kept for the 'twoDaysHistory' ticker (fewer than the lookback, more than RVOL_MIN_DAYS). */
const SHORT_HISTORY_DAYS = 2;
/** Slots dropped (from one day) for the tickers that exercise carry-forward of a missing slot. */
const MISSING_SLOTS_PER_TICKER = 3;
/**
 * `npm start` replays the sample until 10:30 New York and prints the lists: the sample prefers stories in
 * full swing then, so that moment shows a lively market.
 */
export const SHOWCASE_MINUTE = 10 * 60 + 30;
/** A story ticker also misses slots, so carry-forward is exercised on a ticker that matters. */
const MISSING_SLOTS_STORY: StoryKind = 'grinder';

/** A small, realistic filter set; valid per `parseFilterList`. */
export const SAMPLE_FILTERS: readonly ScannerFilterInput[] = [
  {
    id: 1,
    name: 'Tradable price',
    description: 'Skip sub-dollar tickers: spreads and tick sizes make them untradeable for most.',
    enabled: true,
    priority: 10,
    sessions: [],
    parameters: { minPrice: 1 },
  },
  {
    id: 2,
    name: 'Premarket liquidity',
    description: 'Before the open, only tickers that have already traded some size.',
    enabled: true,
    priority: 5,
    sessions: ['PRE_MARKET'],
    parameters: { minVolume: 5000 },
  },
  {
    id: 3,
    name: 'No ETFs',
    description: 'Single stocks only (disabled by default: enable it to hide the ETFs).',
    enabled: false,
    priority: 0,
    sessions: [],
    parameters: { excludeEtf: true },
  },
];

/** What the sample contains besides the files: its tickers, their stories, the hot ones and the roles. */
export interface SampleCast {
  /** The recorded tickers, in symbol order. */
  readonly symbols: readonly string[];
  readonly stories: readonly StoryInfo[];
  readonly hot: readonly string[];
  readonly roles: Readonly<Record<SampleRole, string>>;
}

function validateOptions(o: SampleOptions): void {
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`--seed must be an integer, got ${o.seed}`);
  if (!Number.isSafeInteger(o.tickers) || o.tickers < MIN_TICKERS || o.tickers > DEFAULT_UNIVERSE_SIZE) {
    throw new RangeError(
      `--tickers must be an integer from ${MIN_TICKERS} (a story of every kind, two ETFs and the special roles) ` +
        `to ${DEFAULT_UNIVERSE_SIZE}, got ${o.tickers}`,
    );
  }
}

function simulatorFor(opts: SampleOptions): Simulator {
  validateOptions(opts);
  const sim = new Simulator({ seed: opts.seed, tickers: DEFAULT_UNIVERSE_SIZE });
  if (!sim.calendar.isTradingDay(opts.date)) throw new RangeError(`${opts.date} is not a trading day`);
  return sim;
}

/** The recorded tickers of a sample, their stories, hot tickers and role tickers. */
export function sampleCast(options: Partial<SampleOptions> = {}): SampleCast {
  const opts: SampleOptions = { ...DEFAULT_OPTIONS, ...options };
  return castOf(simulatorFor(opts), opts);
}

/**
 * One story of each kind (preferring one in full swing at {@link SHOWCASE_MINUTE}), two ETFs, and background
 * stocks (four of them with a role), drawn from the whole simulated market: the sample is a slice of what
 * `FEED=sim` shows with the same seed, so RVOL baselines are those of a market where a given ticker has a
 * story only now and then (in a 20-ticker universe every other ticker would have one every day).
 */
function castOf(sim: Simulator, opts: SampleOptions): SampleCast {
  const rng = stream(opts.seed, `sample:${opts.date}`);
  const all = sim.stories(opts.date);
  const stories = STORY_KINDS.flatMap((kind) => {
    const ofKind = all.filter((s) => s.kind === kind);
    const showing = ofKind.filter((s) => s.window[0] <= SHOWCASE_MINUTE && SHOWCASE_MINUTE <= s.window[1]);
    const pool = showing.length > 0 ? showing : ofKind;
    return pool.length > 0 ? [pick(rng, pool)] : [];
  });
  const storied = new Set(all.map((s) => s.symbol));
  const metadata = sim.metadata().filter((m) => !storied.has(m.symbol));
  const etfs = drawDistinct(
    rng,
    metadata.filter((m) => m.isEtf).map((m) => m.symbol),
    SAMPLE_ETFS,
  );
  const stocks = drawDistinct(
    rng,
    metadata.filter((m) => !m.isEtf).map((m) => m.symbol),
    opts.tickers - stories.length - etfs.length,
  );
  const roles = Object.fromEntries(SAMPLE_ROLES.map((role, k) => [role, stocks[k]!])) as Record<
    SampleRole,
    string
  >;
  return {
    symbols: [...stories.map((s) => s.symbol), ...etfs, ...stocks].sort(),
    stories: [...stories].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)),
    hot: stories.filter((s) => HOT_KINDS.includes(s.kind)).map((s) => s.symbol),
    roles,
  };
}

/** `count` distinct items drawn in order from `items`. */
function drawDistinct(rng: Rng, items: readonly string[], count: number): string[] {
  const pool = [...items];
  const out: string[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(rng() * pool.length), 1)[0]!);
  return out;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

function buildRecording(sim: Simulator, opts: SampleOptions, cast: SampleCast): string {
  const { symbols, hot } = cast;
  const lines: string[] = [];
  const dayStart = nyWallClockToUtcMs(opts.date, FIRST_SLOT_MINUTE);
  for (let k = 0; k < SLOTS_PER_DAY * SLOT_MINUTES; k++) {
    const minuteOfDay = FIRST_SLOT_MINUTE + k;
    const atMs = dayStart + k * MS_PER_MINUTE;
    if (k % SNAPSHOT_EVERY_MINUTES === 0)
      lines.push(JSON.stringify({ at: isoAt(atMs), snapshot: sim.snapshotAt(atMs, symbols) }));
    if (minuteOfDay > OPEN_MINUTE && minuteOfDay <= HOT_UNTIL_MINUTE) {
      // The minute that just ended, as the stream delivers it a moment after the minute turns: each hot
      // ticker's last traded second of it.
      const last = new Map<string, AggregateEvent>();
      for (const e of sim.aggregatesBetween(atMs - MS_PER_MINUTE, atMs, hot, 'A')) last.set(e.sym, e);
      const events = hot.flatMap((s) => last.get(s) ?? []);
      if (events.length > 0)
        lines.push(JSON.stringify({ at: isoAt(atMs + AGGREGATE_DELAY_MS), aggregates: events }));
    }
  }
  return lines.join('\n') + '\n';
}

function buildHistoryCsv(sim: Simulator, opts: SampleOptions, cast: SampleCast): string {
  const grinder = cast.stories.find((s) => s.kind === MISSING_SLOTS_STORY)?.symbol;
  const rows = sim.history(HISTORY_DAYS, opts.date, cast.symbols);
  const dates = [...new Set(rows.map((r) => r.date))].sort();
  const missing = new Set<string>();
  for (const symbol of [cast.roles.missingSlots, grinder]) {
    if (symbol === undefined) continue;
    const rng = stream(opts.seed, `missing:${symbol}`);
    const date = pick(rng, dates);
    const mine = new Set<string>();
    while (mine.size < MISSING_SLOTS_PER_TICKER)
      mine.add(`${symbol},${date},${intBetween(rng, 0, SLOTS_PER_DAY - 1)}`);
    for (const key of mine) missing.add(key);
  }
  const recent = new Set(dates.slice(-SHORT_HISTORY_DAYS));
  const keep = (r: VolumeSlot): boolean =>
    r.symbol !== cast.roles.noHistory &&
    (r.symbol !== cast.roles.twoDaysHistory || recent.has(r.date)) &&
    !missing.has(`${r.symbol},${r.date},${r.slot}`);
  const lines = ['symbol,date,slot,cum_volume'];
  for (const r of rows) if (keep(r)) lines.push(`${r.symbol},${r.date},${r.slot},${r.cumVolume}`);
  return lines.join('\n') + '\n';
}

/** Generates the sample's files in memory. Pure: the same options give the same strings. */
export function generateSample(options: Partial<SampleOptions> = {}): SampleFiles {
  const opts: SampleOptions = { ...DEFAULT_OPTIONS, ...options };
  const sim = simulatorFor(opts);
  const cast = castOf(sim, opts);
  const recorded = new Set(cast.symbols);
  const metadata = sim.metadata().filter((m) => recorded.has(m.symbol) && m.symbol !== cast.roles.noMetadata);
  return {
    'day.ndjson': buildRecording(sim, opts, cast),
    'history.csv': buildHistoryCsv(sim, opts, cast),
    'metadata.json': JSON.stringify(metadata, null, 2) + '\n',
    'filters.json': JSON.stringify(SAMPLE_FILTERS, null, 2) + '\n',
  };
}

/** Generates the sample and writes its files into `outDir` (created if needed). */
export function writeSample(outDir: string, options: Partial<SampleOptions> = {}): SampleFiles {
  const files = generateSample(options);
  mkdirSync(outDir, { recursive: true });
  for (const name of SAMPLE_FILE_NAMES) writeFileSync(join(outDir, name), files[name]);
  return files;
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: DEFAULT_OUT_DIR },
      seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
      date: { type: 'string', default: DEFAULT_OPTIONS.date },
      tickers: { type: 'string', default: String(DEFAULT_OPTIONS.tickers) },
    },
    strict: true,
  });
  const opts: SampleOptions = {
    seed: Number(values.seed),
    date: values.date,
    tickers: Number(values.tickers),
  };
  const files = writeSample(values.out, opts);
  const cast = sampleCast(opts);
  const size = (name: (typeof SAMPLE_FILE_NAMES)[number]) =>
    `${name} ${(Buffer.byteLength(files[name]) / 1024).toFixed(0)} KiB`;
  console.log(
    `sample ${opts.date} seed ${opts.seed}, ${opts.tickers} tickers → ${resolve(values.out)}: ` +
      `${SAMPLE_FILE_NAMES.map(size).join(', ')}`,
  );
  for (const kind of STORY_KINDS)
    for (const s of cast.stories.filter((x) => x.kind === kind))
      console.log(`  ${s.symbol.padEnd(6)} ${s.kind}: ${s.summary}`);
  console.log(
    `  hot (A aggregates 09:30–11:00): ${cast.hot.join(', ')}; ` +
      Object.entries(cast.roles)
        .map(([role, symbol]) => `${role}=${symbol}`)
        .join(' '),
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
