import { availableParallelism } from 'node:os';
import type { Redis } from 'ioredis';
import { VendorAuthError } from '../shared/vendor/errors.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { Simulator } from '../shared/sim/simulator.js';
import { requireVendorKey, type Config } from '../shared/config.js';
import type { Db } from '../shared/db/database.js';
import { discardHotSetNotices } from '../shared/bus/hot-set.js';
import { keys, type Keys } from '../shared/bus/keys.js';
import type { Logger } from '../shared/logger.js';
import { MarketCalendar, overridesFromVendorUpcoming } from '../shared/market/calendar.js';
import { scanSettingsFromConfig } from '../shared/scan/settings.js';
import { BullJobSink } from './bull-job-sink.js';
import { DecodePool } from './decode-pool.js';
import { Recorder } from './recorder.js';
import type { MarketSource } from './market-source.js';
import { Orchestrator } from './orchestrator.js';
import { PolygonSource } from './polygon-source.js';
import { databaseReferenceData, type ReferenceData } from './reference-data.js';
import { ReplaySource } from './replay-source.js';
import { ScanPool } from './scan-pool.js';
import { SimSource, simReferenceData, simStart } from './sim-source.js';

export interface RunningOrchestrator {
  readonly orchestrator: Orchestrator;
  /** Stops the orchestrator gracefully, then its pool and queues (not the connections it was given). */
  close(): Promise<void>;
}

export interface OrchestratorDeps {
  readonly logger: Logger;
  /** Publication, hot set and job queues; the caller owns it (close() leaves it open). */
  readonly redis: Redis;
  /** Reference data and filters; the caller owns it. */
  readonly db: Db;
  /** Write what the live source receives to this file as a recording (SPEC §10 `--record`). */
  readonly recordFile?: string;
  /** Called when the vendor refuses the API key (FEED=polygon): nothing more will arrive. */
  readonly onFatal: (err: Error) => void;
}

/**
 * The orchestrator for the configured FEED — its source, reference data, thread pool and job queues — started
 * (state restored, the source running). The orchestrator process (main.ts) and the all-in-one `npm start`
 * (launcher/start-all.ts) both run this.
 * @throws VendorAuthError when the vendor refuses the key at its first call (FEED=polygon).
 */
export async function startOrchestrator(
  config: Config,
  deps: OrchestratorDeps,
): Promise<RunningOrchestrator> {
  const running = await assembleOrchestrator(config, deps);
  try {
    await running.orchestrator.start();
  } catch (err) {
    await running.close();
    throw err;
  }
  return running;
}

async function assembleOrchestrator(config: Config, o: OrchestratorDeps): Promise<RunningOrchestrator> {
  const k = keys(config.REDIS_PREFIX);
  const { logger } = o;
  let calendar = new MarketCalendar();
  const decoder = new DecodePool({ threads: 1, logger });
  const recorder = o.recordFile === undefined ? undefined : new Recorder(o.recordFile);
  const dbReference = databaseReferenceData(o.db);
  let source: MarketSource;
  let reference: ReferenceData = dbReference;
  switch (config.FEED) {
    case 'sim': {
      const sim = new Simulator({
        seed: config.SIM_SEED,
        tickers: config.SIM_TICKERS,
        speed: config.SIM_SPEED,
        start: await simStart(config.SIM_START, { redis: o.redis, keys: k, calendar, logger }),
        snapshotEveryMs: config.SNAPSHOT_INTERVAL_MS,
        calendar,
      });
      source = new SimSource(sim, decoder, logger, recorder, config.SIM_HOT_BARS);
      reference = simReferenceData(sim, () => dbReference.loadFilters());
      break;
    }
    case 'replay':
      source = new ReplaySource({
        file: config.REPLAY_FILE,
        speed: config.REPLAY_SPEED === 0 ? Infinity : config.REPLAY_SPEED,
        logger,
        onEnd: () => logger.info({ file: config.REPLAY_FILE }, 'recording played to the end'),
      });
      break;
    case 'polygon': {
      const rest = new PolygonRestClient({
        apiKey: requireVendorKey(config),
        baseUrl: config.POLYGON_REST_URL,
        logger,
      });
      calendar = await withVendorHolidays(calendar, rest, logger);
      source = new PolygonSource({
        rest,
        decoder,
        ...(recorder ? { recorder } : {}),
        redis: o.redis,
        keys: k,
        intervalMs: config.SNAPSHOT_INTERVAL_MS,
        calendar,
        logger,
        onFatal: o.onFatal,
      });
      break;
    }
  }
  // Only FEED=polygon has a feed process to consume hot-set notices (shared/bus/hot-set.ts, design (a)).
  const feed = config.FEED === 'polygon';
  const jobs = new BullJobSink(o.redis, k, { feed });
  if (!feed) await discardUnconsumedNotices(o.redis, k, logger);
  const threads = Math.min(config.WORKER_THREADS, Math.max(1, availableParallelism()));
  const pool = new ScanPool({ threads, logger });
  const orchestrator = new Orchestrator({
    source,
    redis: o.redis,
    keys: k,
    reference,
    jobs,
    calendar,
    settings: scanSettingsFromConfig(config),
    logger,
    pool,
    maxScansPerSecond: config.MAX_SCANS_PER_SECOND,
    hotGraceMs: config.HOT_GRACE_MS,
    filtersReloadMs: config.FILTERS_RELOAD_MS,
    streamTrim: {
      retentionMs: config.MESSAGES_RETENTION_MINUTES * 60_000,
      maxLen: config.MESSAGES_STREAM_MAXLEN,
    },
    alertsStreamMaxLen: config.ALERTS_STREAM_MAXLEN,
    scansMax: config.SCANS_MAX,
    staleAfterMs: config.STALE_AFTER_MS,
  });
  return {
    orchestrator,
    close: async () => {
      await orchestrator.stop();
      await Promise.allSettled([pool.close(), decoder.close(), jobs.close(), recorder?.close()]);
    },
  };
}

/**
 * Empties the subscriptions queue when no feed will consume it: a version that enqueued hot-set changes
 * under every FEED left them waiting for ever. A failure is logged; it costs the scanner nothing.
 */
async function discardUnconsumedNotices(redis: Redis, k: Keys, logger: Logger): Promise<void> {
  try {
    const removed = await discardHotSetNotices(redis, k);
    if (removed > 0) logger.info({ removed }, 'discarded hot-set jobs no feed will consume');
  } catch (err) {
    logger.warn({ err }, 'could not empty the subscriptions queue');
  }
}

/**
 * The rule-based calendar with the vendor's announced closures and early closes on top (SPEC §1), so an
 * unscheduled closure (a national day of mourning) is not scanned as a trading day. Read once at start; a
 * failure keeps the rules and says so — except a refused key (HTTP 401), which is thrown: it is the first
 * vendor call, and failing here reports a bad key at deploy time instead of at the next session's first poll.
 * A 403 only says this endpoint is outside the plan, which the snapshots may not be.
 * @throws VendorAuthError when the vendor answers 401.
 */
export async function withVendorHolidays(
  calendar: MarketCalendar,
  rest: PolygonRestClient,
  logger: Logger,
): Promise<MarketCalendar> {
  try {
    const overrides = overridesFromVendorUpcoming(await rest.marketHolidays());
    logger.info({ overrides: overrides.length }, 'vendor holiday calendar applied');
    return calendar.withOverrides(overrides);
  } catch (err) {
    if (err instanceof VendorAuthError && err.status === 401) throw err;
    logger.warn({ err }, 'could not read the vendor holiday calendar; using the NYSE rules alone');
    return calendar;
  }
}
