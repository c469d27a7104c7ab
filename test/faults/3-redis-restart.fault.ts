import { setTimeout as delay } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { closedPort } from '../utils/net.js';
import { waitFor } from '../utils/wait.js';
import { WatchedClient } from './client.js';
import { startEntry } from '../utils/process.js';
import { record } from './report.js';
import {
  persistedScanTimes,
  seconds,
  seqGaps,
  startServices,
  streamEntries,
  FAST_SIM_ENV,
} from './services.js';

/*
 * Case 3: Redis (private, append-only file) is killed and started again after 5 s while the orchestrator, the
 * jobs process, a gateway and an SDK client run. Promise: every process comes back by itself (none exits), the
 * orchestrator publishes and the jobs process persists again, and the client ends up holding exactly the lists
 * last published. Figure: from Redis's return to the client's first new message, and to a new persisted scan.
 */

const OUTAGE_MS = 5_000;

it('Redis restart: orchestrator, jobs and gateway recover, the SDK client converges', async () => {
  const s = await startServices();
  const port = await closedPort();
  const env = {
    ...s.env,
    ...FAST_SIM_ENV,
    GATEWAY_PORT: String(port),
    HEARTBEAT_MS: '500',
  };
  const procs = [
    startEntry('orchestrator/main.ts', env),
    startEntry('jobs/main.ts', env),
    startEntry('gateway/main.ts', env),
  ];
  const output = () => procs.map((p) => `--- ${p.entry}\n${p.output}`).join('\n');
  const health = async () => (await fetch(`http://127.0.0.1:${port}/health`)).status;
  await waitFor(async () => (await health()) === 200, {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: `/health 200\n${output()}`,
  });
  const watched = new WatchedClient(port);
  await waitFor(() => watched.received.length >= 20, { timeoutMs: 30_000, intervalMs: 50 });

  await s.redisServer.stop();
  const stoppedAt = Date.now();
  // The gateway cannot follow the lists while Redis is gone: /health must say so (503), not serve them as live.
  const said503 = await waitFor(async () => (await health()) === 503, {
    timeoutMs: OUTAGE_MS,
    intervalMs: 100,
  }).then(
    () => true,
    () => false,
  );
  await delay(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
  // Read with Redis still down: no job can be fetched meanwhile, so a newer scan can only come after its return.
  const newestBefore = Math.max(...(await persistedScanTimes(s)));
  await s.redisServer.start();
  const backAt = Date.now();

  // Measured side by side: each from Redis's return.
  const [clientMs, persistMs, healthMs] = await Promise.all([
    waitFor(
      () => {
        const m = watched.received.find((r) => r.at >= backAt);
        return m === undefined ? false : m.at - backAt;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: `the client's first message after the restart\n${output()}`,
      },
    ),
    waitFor(
      async () => (Math.max(...(await persistedScanTimes(s))) > newestBefore ? Date.now() - backAt : false),
      { timeoutMs: 60_000, intervalMs: 100, what: `a scan persisted after the restart\n${output()}` },
    ),
    waitFor(async () => ((await health()) === 200 ? Date.now() - backAt : false), {
      timeoutMs: 60_000,
      intervalMs: 100,
    }),
  ]);
  const exited = procs.filter((p) => p.child.exitCode !== null).map((p) => p.entry);

  // The orchestrator stops (publishing its last scan): the client must end up holding exactly that.
  await procs[0]!.stop();
  const diverging = await waitFor(async () => (await watched.divergence(s)).length === 0, {
    timeoutMs: 15_000,
    intervalMs: 100,
  }).then(
    () => [] as string[],
    () => watched.divergence(s),
  );
  const gaps = seqGaps((await streamEntries(s)).map((e) => e.msg));
  const ok = said503 && exited.length === 0 && diverging.length === 0 && gaps.length === 0;
  record({
    name: '3 Redis restart',
    criterion: '/health 503 meanwhile; no process exits; client converges; no seq gap; jobs persist again',
    figure:
      `${seconds(OUTAGE_MS)} outage, /health 503 meanwhile: ${said503}; client message +${seconds(clientMs)}, new scan persisted ` +
      `+${seconds(persistMs)}, /health 200 +${seconds(healthMs)}; ${watched.resyncs.length} resyncs, ` +
      `${exited.length} exited, ${diverging.length} lists diverge, ${gaps.length} seq gaps`,
    pass: ok,
  });
  expect(said503).toBe(true);
  expect(exited).toEqual([]);
  expect(diverging).toEqual([]);
  expect(gaps).toEqual([]);
});
