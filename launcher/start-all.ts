import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startPersistenceWorker } from '../jobs/persistence-worker.js';
import { loadConfig } from '../shared/config.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { ensureDatabase, migrate } from '../shared/db/migrate.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { createShutdown, shutdownOnSignals } from '../shared/process-lifecycle.js';
import { startVendorStream } from '../feed/vendor-stream.js';
import { startGateway } from '../gateway/server.js';
import { DashboardListenError, startDashboard, type Dashboard } from '../dashboard/server.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { assembleOrchestrator } from '../orchestrator/assemble.js';
import { renderPublishedLists } from './terminal-view.js';

/**
 * `npm start`: the whole scanner in one command for a newcomer — database created and migrated, the jobs
 * worker, the orchestrator on the configured feed (the simulated market by default), the WebSocket gateway, the
 * job dashboard — and the published lists redrawn in the terminal. Production runs the same parts as separate pm2 processes (ecosystem.config.cjs).
 */
const REDRAW_MS = 2000;

async function main(): Promise<void> {
  const config = loadConfig();
  // SPEC §10: `--record FILE` writes what the live source receives, so any day can be replayed.
  const { values: args } = parseArgs({ options: { record: { type: 'string' } }, strict: true });
  // Logs go to stderr and stay quiet unless asked for, so the terminal shows the lists.
  const logger = createLogger('scanner', process.env.LOG_LEVEL ?? 'warn');
  const say = (line: string) => process.stderr.write(`${line}\n`);

  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${config.REDIS_URL} (${(err as Error).message}). Start it (redis-server, or ` +
        '`docker compose up -d`) or set REDIS_URL.',
      { cause: err },
    );
  }

  const db = createDb(config.DATABASE_URL);
  let persistence: ReturnType<typeof startPersistenceWorker> | undefined;
  // BullMQ workers block on their connection, so the worker gets its own (closed in stop()).
  const workerConnection = redis.duplicate({ maxRetriesPerRequest: null });
  try {
    if (await ensureDatabase(config.DATABASE_URL))
      say(`created database ${new URL(config.DATABASE_URL).pathname.slice(1)}`);
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) say(`applied migrations: ${applied.join(', ')}`);
    persistence = startPersistenceWorker({
      connection: workerConnection,
      keys: keys(config.REDIS_PREFIX),
      db,
      logger,
    });
  } catch (err) {
    say(
      `PostgreSQL is not usable at ${config.DATABASE_URL} (${(err as Error).message}); scanning without ` +
        'persistence and with no filters. Start it or set DATABASE_URL.',
    );
  }

  const k = keys(config.REDIS_PREFIX);
  const stop = createShutdown(async () => {
    clearInterval(redraw);
    say('stopping…');
    await vendorStream?.close();
    await gateway.close();
    await dashboard?.close();
    await assembled.close();
    await persistence?.close();
    await closeDb(db);
    workerConnection.disconnect();
    redis.disconnect();
  });
  const assembled = await assembleOrchestrator({
    config,
    logger,
    redis,
    keys: k,
    db,
    ...(args.record === undefined ? {} : { recordFile: args.record }),
    onFatal: (err) => {
      say(`stopping: ${err.message}`);
      void stop('fatal', 2);
    },
  });
  say(
    `starting: FEED=${config.FEED}${config.FEED === 'sim' ? ` (${config.SIM_TICKERS} tickers, speed ${config.SIM_SPEED}×, from ${config.SIM_START})` : ''}; Ctrl-C stops`,
  );
  await assembled.orchestrator.start();
  // FEED=polygon: the feed's vendor WebSocket runs here too, so hot lists move between snapshots.
  const vendorStream =
    config.FEED === 'polygon' && config.apiKey
      ? startVendorStream({
          apiKey: config.apiKey,
          url: config.POLYGON_WS_URL,
          channels: config.POLYGON_WS_CHANNELS,
          redis,
          keys: k,
          calendar: new MarketCalendar(),
          logger,
          onFatal: (err) => {
            say(`stopping: ${err.message}`);
            void stop('fatal', 2);
          },
        })
      : undefined;

  const gateway = await startGateway({
    port: config.GATEWAY_PORT,
    host: config.GATEWAY_HOST,
    tokens: config.GATEWAY_TOKENS,
    heartbeatMs: config.HEARTBEAT_MS,
    redis,
    keys: k,
    db,
    logger,
  });
  say(
    `web page: http://${config.GATEWAY_HOST}:${gateway.port}/ · clients: ws://${config.GATEWAY_HOST}:${gateway.port}/ws · REST: http://${config.GATEWAY_HOST}:${gateway.port}/api/lists`,
  );
  // The job dashboard is a convenience here: a taken DASHBOARD_PORT should not stop the scanner.
  let dashboard: Dashboard | undefined;
  try {
    dashboard = await startDashboard({
      port: config.DASHBOARD_PORT,
      host: config.DASHBOARD_HOST,
      user: config.DASHBOARD_USER,
      password: config.DASHBOARD_PASSWORD,
      connection: redis,
      keys: k,
      logger,
    });
    say(
      `jobs dashboard: http://${config.DASHBOARD_HOST}:${dashboard.port}/${config.DASHBOARD_PASSWORD ? ` (user ${config.DASHBOARD_USER})` : ''}`,
    );
  } catch (err) {
    if (!(err instanceof DashboardListenError)) throw err;
    say(`jobs dashboard not started: ${err.message}. Set DASHBOARD_PORT to a free port.`);
  }

  const tty = process.stdout.isTTY === true;
  let last = '';
  const redraw = setInterval(() => {
    renderPublishedLists(redis, k, tty ? 5 : 3)
      .then((text) => {
        if (text === last) return;
        last = text;
        process.stdout.write(tty ? `\x1b[2J\x1b[H${text}\n` : `${text}\n`);
      })
      .catch((err: unknown) => logger.warn({ err }, 'could not read the published lists'));
  }, REDRAW_MS);

  shutdownOnSignals(stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${(err as Error).message}\n`);
  process.exit(1);
});
