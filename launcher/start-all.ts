import '../gateway/runtime-guard.js';
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import { closeDb, createDb } from '../shared/db/database.js';
import { ensureDatabase, migrate } from '../shared/db/migrate.js';
import { keys } from '../shared/bus/keys.js';
import { createLogger } from '../shared/logger.js';
import { createShutdown, EXIT_NOT_RETRYABLE, shutdownOnSignals } from '../shared/process-lifecycle.js';
import { connectRedis } from '../shared/redis-connection.js';
import type { VendorStream } from '../feed/vendor-stream.js';
import { startFeed } from '../feed/start.js';
import type { Gateway } from '../gateway/server.js';
import { startGateway } from '../gateway/start.js';
import { DashboardListenError, type Dashboard } from '../dashboard/server.js';
import { startDashboard } from '../dashboard/start.js';
import { startJobs, type RunningJobs } from '../jobs/start.js';
import { startOrchestrator, type RunningOrchestrator } from '../orchestrator/start.js';
import { readBootstrapStatus } from '../shared/bus/bootstrap-status.js';
import { BootstrapLine, renderPublishedLists } from './terminal-view.js';

/**
 * `npm start`: the whole scanner in one command for a newcomer — database created and migrated, the jobs
 * worker, the orchestrator on the configured feed (the simulated market by default), the WebSocket gateway, the
 * job dashboard — and the published lists redrawn in the terminal. It composes each process's own start
 * function in one Node process; production runs the same parts as separate pm2 processes (ecosystem.config.cjs).
 */
const REDRAW_MS = 2000;

async function main(): Promise<void> {
  const config = loadConfig();
  // SPEC §10: `--record FILE` writes what the live source receives, so any day can be replayed.
  const { values: args } = parseArgs({ options: { record: { type: 'string' } }, strict: true });
  // Logs go to stderr and stay quiet unless asked for, so the terminal shows the lists.
  const logger = createLogger('scanner', process.env.LOG_LEVEL ?? 'warn');
  const say = (line: string) => process.stderr.write(`${line}\n`);

  // A newcomer's first problem is usually that Redis is not running: say so before anything else.
  const redis = await connectRedis(config, logger, { waitUntilReachable: true });
  const db = createDb(config.DATABASE_URL);
  // BullMQ workers block on their connection, so the jobs get their own.
  const jobsConnection = await connectRedis(config, logger);
  let jobs: RunningJobs | undefined;
  try {
    if (await ensureDatabase(config.DATABASE_URL))
      say(`created database ${new URL(config.DATABASE_URL).pathname.slice(1)}`);
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) say(`applied migrations: ${applied.join(', ')}`);
    // FEED=polygon with a key: missing reference data and history are bootstrapped, then kept current nightly.
    jobs = await startJobs(
      config,
      { connection: jobsConnection, db, logger },
      { referenceJobs: config.FEED === 'polygon' },
    );
  } catch (err) {
    say(
      `PostgreSQL is not usable at ${config.DATABASE_URL} (${(err as Error).message}); scanning without ` +
        'persistence and with no filters. Start it or set DATABASE_URL.',
    );
  }

  // What is running so far: a fatal error may stop the scanner before every part has started.
  const parts: {
    orchestrator?: RunningOrchestrator;
    feed?: VendorStream;
    gateway?: Gateway;
    dashboard?: Dashboard;
    redraw?: NodeJS.Timeout;
  } = {};
  const stop = createShutdown(async () => {
    clearInterval(parts.redraw);
    say('stopping…');
    await parts.feed?.close();
    await parts.gateway?.close();
    await parts.dashboard?.close();
    await parts.orchestrator?.close();
    await jobs?.close();
    await closeDb(db);
    jobsConnection.disconnect();
    redis.disconnect();
  });
  const onFatal = (err: Error): void => {
    say(`stopping: ${err.message}`);
    void stop('fatal', EXIT_NOT_RETRYABLE);
  };

  say(
    `starting: FEED=${config.FEED}${config.FEED === 'sim' ? ` (${config.SIM_TICKERS} tickers, speed ${config.SIM_SPEED}×, from ${config.SIM_START})` : ''}; Ctrl-C stops`,
  );
  parts.orchestrator = await startOrchestrator(config, {
    logger,
    redis,
    db,
    ...(args.record === undefined ? {} : { recordFile: args.record }),
    onFatal,
  });
  // FEED=polygon: the feed's vendor WebSocket runs here too, so hot lists move between snapshots.
  if (config.FEED === 'polygon') parts.feed = startFeed(config, { redis, logger, onFatal });

  const gateway = await startGateway(config, { redis, db, logger });
  parts.gateway = gateway;
  say(
    `web page: http://${config.GATEWAY_HOST}:${gateway.port}/ · clients: ws://${config.GATEWAY_HOST}:${gateway.port}/ws · REST: http://${config.GATEWAY_HOST}:${gateway.port}/api/lists`,
  );
  // The job dashboard is a convenience here: a taken DASHBOARD_PORT should not stop the scanner.
  try {
    const dashboard = await startDashboard(config, { redis, logger });
    parts.dashboard = dashboard;
    say(
      `jobs dashboard: http://${config.DASHBOARD_HOST}:${dashboard.port}/${config.DASHBOARD_PASSWORD ? ` (user ${config.DASHBOARD_USER})` : ''}`,
    );
  } catch (err) {
    if (!(err instanceof DashboardListenError)) throw err;
    say(`jobs dashboard not started: ${err.message}. Set DASHBOARD_PORT to a free port.`);
  }

  const k = keys(config.REDIS_PREFIX);
  const tty = process.stdout.isTTY === true;
  let last = '';
  const bootstrapLine = new BootstrapLine(tty);
  parts.redraw = setInterval(() => {
    Promise.all([renderPublishedLists(redis, k, tty ? 5 : 3), readBootstrapStatus(redis, k)])
      .then(([lists, bootstrap]) => {
        // On a TTY the bootstrap's progress bar heads the screen; elsewhere it is a line of its own.
        const line = bootstrapLine.next(bootstrap, Date.now());
        if (!tty && line !== undefined) say(line);
        const text = tty && line ? `${line}\n\n${lists}` : lists;
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
