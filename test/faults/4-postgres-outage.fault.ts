import { setTimeout as delay } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { closedPort } from '../utils/net.js';
import { waitFor } from '../utils/wait.js';
import { startEntry } from '../utils/process.js';
import { record } from './report.js';
import {
  persistBacklog,
  persistedScanTimes,
  seconds,
  startServices,
  streamEntries,
  FAST_SIM_ENV,
} from './services.js';

/*
 * Case 4: PostgreSQL (private cluster) is stopped for 10 s under a running stack. Promises: `/health` names it
 * (`postgres: down`) while it is gone, the lists go on meanwhile, and once it is back the persistence jobs that
 * failed are retried until every published scan has its rows (no row lost). Figure: from PostgreSQL's return
 * until the persist queue is empty again.
 */

const OUTAGE_MS = 10_000;

interface Health {
  readonly postgres: string;
  readonly source: string;
}

it('PostgreSQL outage: /health says postgres down, no scan_results row lost once it returns', async () => {
  const s = await startServices();
  const port = await closedPort();
  const env = {
    ...s.env,
    ...FAST_SIM_ENV,
    GATEWAY_PORT: String(port),
  };
  const orchestrator = startEntry('orchestrator/main.ts', env);
  const jobs = startEntry('jobs/main.ts', env);
  const gateway = startEntry('gateway/main.ts', env);
  const output = () => [orchestrator, jobs, gateway].map((p) => `--- ${p.entry}\n${p.output}`).join('\n');
  const health = async () => (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Health;
  await waitFor(async () => (await health()).source === 'live', {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: `/health live\n${output()}`,
  });
  await waitFor(async () => (await persistedScanTimes(s)).size > 0, { timeoutMs: 30_000, intervalMs: 200 });

  await s.postgres.stop();
  const stoppedAt = Date.now();
  const downMs = await waitFor(
    async () => ((await health()).postgres === 'down' ? Date.now() - stoppedAt : false),
    { timeoutMs: OUTAGE_MS, intervalMs: 100, what: `/health postgres down\n${output()}` },
  );
  const messagesDuring = await s.redis.xlen(s.keys.messagesStream);
  await delay(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
  const listsMoved = (await s.redis.xlen(s.keys.messagesStream)) > messagesDuring;
  const backlogAtReturn = await persistBacklog(s);
  await s.postgres.start();
  const backAt = Date.now();

  // Stop producing, so that "caught up" is a fixed target: every scan published has its rows.
  await orchestrator.stop();
  await waitFor(async () => (await persistBacklog(s)) === 0, {
    timeoutMs: 150_000,
    intervalMs: 200,
    what: `the persist queue to drain\n${output()}`,
  });
  const catchUpMs = Date.now() - backAt;
  const upAgain = await waitFor(async () => (await health()).postgres === 'up', { timeoutMs: 10_000 }).then(
    () => true,
    () => false,
  );
  const persisted = await persistedScanTimes(s);
  const published = new Set((await streamEntries(s)).map((e) => Date.parse(e.msg.ts)));
  const lost = [...published].filter((t) => !persisted.has(t)).length;
  record({
    name: '4 PostgreSQL outage',
    criterion: '/health postgres down during it; lists go on; published scans lost = 0',
    figure:
      `${seconds(OUTAGE_MS)} outage: /health down after ${seconds(downMs)}, lists moved: ${listsMoved}, ` +
      `${backlogAtReturn} jobs waiting at return, caught up ${seconds(catchUpMs)} after return, ` +
      `${lost}/${published.size} scans lost`,
    pass: lost === 0 && listsMoved && upAgain,
  });
  expect(listsMoved).toBe(true);
  expect(lost).toBe(0);
  expect(upAgain).toBe(true);
});
