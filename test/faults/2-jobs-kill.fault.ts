import { Queue } from 'bullmq';
import { expect, it } from 'vitest';
import { QUEUES } from '../../shared/bus/keys.js';
import type { PersistJob } from '../../shared/bus/persistence-jobs.js';
import { waitFor } from '../utils/wait.js';
import { startEntry } from '../utils/process.js';
import { record } from './report.js';
import { persistBacklog, seconds, startServices } from './services.js';

/*
 * Case 2: the jobs process is killed with SIGKILL while it drains a backlog of persistence jobs, and started
 * again. Promise: every row of every queued job ends up in scan_results exactly once (at-least-once jobs,
 * writes idempotent on (time, symbol)); the figure is how long the restarted process takes to drain the rest,
 * which includes BullMQ's wait before it takes back the job the killed process held (its lock, 30 s).
 */

it('jobs kill -9 with persistence jobs queued: no row lost or duplicated once restarted', async () => {
  const s = await startServices();
  const env = {
    ...s.env,
    FEED: 'sim',
    SIM_TICKERS: '2000',
    SNAPSHOT_INTERVAL_MS: '250',
    // Big jobs, so that the kill lands while some are still queued.
    MAX_FILTERED: '1000',
  };
  // The orchestrator alone fills the queue; stopped, the backlog is fixed and known.
  const orchestrator = startEntry('orchestrator/main.ts', env);
  await waitFor(async () => (await persistBacklog(s)) >= 40, {
    timeoutMs: 90_000,
    intervalMs: 200,
    what: `40 queued persistence jobs\n${orchestrator.output}`,
  });
  expect(await orchestrator.stop()).toBe(0);
  const queue = new Queue<PersistJob>(QUEUES.persistence, { connection: s.redis, prefix: s.keys.bullPrefix });
  const queued = await queue.getJobs(['waiting']);
  await queue.close();
  const expected = new Set<string>();
  for (const j of queued)
    if (j.data.kind === 'scan')
      for (const r of j.data.rows) expected.add(`${Date.parse(r.time)} ${r.symbol}`);

  const count = async () =>
    Number((await s.query<{ n: string }>('SELECT count(*) AS n FROM scan_results'))[0]!.n);
  let jobs = startEntry('jobs/main.ts', env);
  await waitFor(async () => (await count()) > 0, {
    timeoutMs: 60_000,
    intervalMs: 10,
    what: `a first persisted row\n${jobs.output}`,
  });
  await jobs.kill9();
  const backlogAtKill = await persistBacklog(s);
  const rowsAtKill = await count();

  const restartedAt = Date.now();
  jobs = startEntry('jobs/main.ts', env);
  await waitFor(async () => (await persistBacklog(s)) === 0, {
    timeoutMs: 120_000,
    intervalMs: 100,
    what: `the persist queue to drain\n${jobs.output}`,
  });
  const drainMs = Date.now() - restartedAt;

  const rows = await s.query<{ t: string; symbol: string }>(
    'SELECT (extract(epoch FROM time) * 1000)::bigint AS t, symbol FROM scan_results',
  );
  const stored = new Set(rows.map((r) => `${Number(r.t)} ${r.symbol}`));
  const lost = [...expected].filter((k) => !stored.has(k)).length;
  const duplicated = rows.length - stored.size;
  record({
    name: '2 jobs kill -9',
    criterion: 'queued rows lost = 0, duplicated = 0 after restart',
    figure:
      `${lost} lost, ${duplicated} duplicated of ${expected.size} rows (${queued.length} jobs; killed with ` +
      `${backlogAtKill} left, ${rowsAtKill} rows in), drained ${seconds(drainMs)} after restart`,
    // A kill after the queue had drained would prove nothing.
    pass: backlogAtKill > 0 && lost === 0 && duplicated === 0 && stored.size === expected.size,
  });
  expect(backlogAtKill).toBeGreaterThan(0);
  expect(lost).toBe(0);
  expect(duplicated).toBe(0);
  expect(stored.size).toBe(expected.size);
});
