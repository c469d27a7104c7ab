import { parseArgs } from 'node:util';
import { createLogger } from '../../shared/logger.js';
import { createShutdown, shutdownOnSignals } from '../../shared/process-lifecycle.js';
import type { FakeMarket } from './market.js';
import { isPlan, PLANS } from './plan.js';
import { RecordingMarket } from './recording-market.js';
import { startFakeVendor } from './server.js';
import { SimMarket } from './sim-market.js';

/*
 * `npm run fake-vendor -- [options]`: the fake vendor on a fixed port, fed by the simulator or a recording,
 * so the product's FEED=polygon path (REST polling, the feed's WebSocket, hot-set subscriptions) can be run
 * locally without a key. See README "Running against a fake vendor". Ctrl-C stops it.
 */

const USAGE = `usage: npm run fake-vendor -- [--port 8765] [--host 127.0.0.1] [--market sim|recording]
  [--recording FILE] [--speed 1] [--plan free|delayed|realtime] [--tickers 12000] [--seed 42]
  [--start INSTANT] [--api-key test]... [--flatfiles-access-key test] [--flatfiles-secret-key test-secret]
  [--log-level info]
  --start: sim: now (default), PRE_MARKET, MARKET_OPEN, POST_MARKET or an ISO instant;
           recording: an ISO instant inside it (default its first line)`;

const DEFAULT_PORT = 8765;
/** The key README's example passes; any number of --api-key replace it. */
const DEFAULT_API_KEY = 'test';
/** The S3 keys of the flat files (sim market only), as README's example passes them. */
const DEFAULT_FLATFILES_ACCESS_KEY = 'test';
const DEFAULT_FLATFILES_SECRET_KEY = 'test-secret';

function options() {
  let parsed;
  try {
    parsed = parseOptions();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) throw new UsageError('');
  const number = (name: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  if (values.market !== 'sim' && values.market !== 'recording')
    throw new UsageError('--market must be sim or recording');
  if (values.market === 'recording' && values.recording === undefined)
    throw new UsageError('--market recording needs --recording FILE');
  if (!isPlan(values.plan)) throw new UsageError(`--plan must be one of ${PLANS.join(', ')}`);
  const speed = number('speed', values.speed, Number.MIN_VALUE);
  if (values.market === 'recording' && values.start !== undefined && Number.isNaN(Date.parse(values.start)))
    throw new UsageError('--start of a recording must be an ISO instant');
  return {
    port: number('port', values.port, 0) ?? DEFAULT_PORT,
    host: values.host,
    market: values.market,
    recording: values.recording,
    speed: speed ?? 1,
    plan: values.plan,
    tickers: number('tickers', values.tickers, 1),
    seed: number('seed', values.seed, 0),
    start: values.start,
    apiKeys: values['api-key'] ?? [DEFAULT_API_KEY],
    flatFilesAccessKey: values['flatfiles-access-key'],
    flatFilesSecretKey: values['flatfiles-secret-key'],
    logLevel: values['log-level'],
  };
}

function parseOptions() {
  return parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      host: { type: 'string', default: '127.0.0.1' },
      market: { type: 'string', default: 'sim' },
      recording: { type: 'string' },
      speed: { type: 'string', default: '1' },
      plan: { type: 'string', default: 'realtime' },
      tickers: { type: 'string' },
      seed: { type: 'string' },
      start: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'flatfiles-access-key': { type: 'string', default: DEFAULT_FLATFILES_ACCESS_KEY },
      'flatfiles-secret-key': { type: 'string', default: DEFAULT_FLATFILES_SECRET_KEY },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function main(): Promise<void> {
  const o = options();
  const logger = createLogger('fake-vendor', o.logLevel);
  let market: FakeMarket;
  if (o.market === 'recording') {
    const recording = await RecordingMarket.open(o.recording!, {
      speed: o.speed,
      ...(o.start === undefined ? {} : { start: Date.parse(o.start) }),
    });
    logger.info(
      {
        file: recording.file,
        snapshots: recording.snapshotTimes.length,
        from: new Date(recording.firstAt).toISOString(),
        to: new Date(recording.lastAt).toISOString(),
      },
      'recording indexed',
    );
    market = recording;
  } else {
    const sim = new SimMarket({
      ...(o.tickers === undefined ? {} : { tickers: o.tickers }),
      ...(o.seed === undefined ? {} : { seed: o.seed }),
      start: o.start ?? 'now',
      speed: o.speed,
    });
    // The first snapshot simulates the day so far (seconds for 12,000 tickers): pay it before the first poll.
    const started = performance.now();
    sim.snapshotAt(sim.now());
    logger.info(
      {
        tickers: sim.simulator.universe.tickers.length,
        marketTime: new Date(sim.now()).toISOString(),
        warmMs: Math.round(performance.now() - started),
      },
      'simulated market ready',
    );
    market = sim;
  }
  const fake = await startFakeVendor({
    market,
    plan: o.plan,
    apiKeys: o.apiKeys,
    port: o.port,
    host: o.host,
    flatFilesKeys: { [o.flatFilesAccessKey]: o.flatFilesSecretKey },
    logger,
  });
  logger.info(
    {
      rest: fake.restUrl,
      ws: fake.wsUrl,
      plan: fake.plan,
      market: o.market,
      speed: o.speed,
      product: `FEED=polygon POLYGON_API_KEY=${o.apiKeys[0]} POLYGON_REST_URL=${fake.restUrl} POLYGON_WS_URL=${fake.wsUrl} npm start`,
      ...(fake.flatFiles === undefined
        ? {}
        : {
            flatFiles: `FLATFILES_URL=${fake.restUrl} FLATFILES_BUCKET=${fake.flatFiles.bucket} FLATFILES_ACCESS_KEY=${o.flatFilesAccessKey} FLATFILES_SECRET_KEY=${o.flatFilesSecretKey}`,
          }),
    },
    'fake vendor listening',
  );

  shutdownOnSignals(
    createShutdown(
      async () => {
        await fake.close();
        market.close?.();
      },
      { logger },
    ),
  );
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message ? `fake-vendor: ${err.message}\n` : ''}${USAGE}\n`);
    process.exit(err.message ? 2 : 0);
  }
  createLogger('fake-vendor').fatal({ err }, 'fake vendor failed to start');
  process.exit(1);
});
