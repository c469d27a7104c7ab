import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { onCleanup } from './cleanup.js';
import { testRedisUrl } from './redis.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Feeds for {@link startOrchestrator}. */
export const FAST_FEEDS = {
  /** The sample's 16-hour day in about 20 seconds. */
  replay: {
    FEED: 'replay',
    REPLAY_FILE: path.join(root, 'samples/day.ndjson'),
    REPLAY_SPEED: '3000',
  },
  /** The simulated market from the open, 20× fast, a snapshot every 5 simulated seconds. */
  simOpen: {
    FEED: 'sim',
    SIM_TICKERS: '1500',
    SIM_SPEED: '20',
    SIM_START: 'MARKET_OPEN',
    SNAPSHOT_INTERVAL_MS: '250',
  },
} as const;

/**
 * A real orchestrator process (orchestrator/main.ts) on the test Redis under `prefix`, killed with SIGKILL when the
 * test ends if it still runs (a failed test leaves no orchestrator behind).
 */
export function startOrchestrator(prefix: string, feed: Readonly<Record<string, string>>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'orchestrator/main.ts')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ...feed,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: prefix,
      // No scanner tables there: reference and filter loads fail, are counted, and the scan goes on without them.
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      WORKER_THREADS: '1',
      LOG_LEVEL: 'fatal',
    },
  });
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  });
  return child;
}
