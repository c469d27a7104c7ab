import { expect, it } from 'vitest';
import { waitFor } from '../utils/wait.js';
import { startEntry } from '../utils/process.js';
import { record } from './report.js';
import {
  persistBacklog,
  persistedScanTimes,
  seconds,
  seqGaps,
  startServices,
  streamEntries,
  FAST_SIM_ENV,
} from './services.js';

/*
 * Case 1: the orchestrator is killed with SIGKILL mid-run (FEED=sim, a snapshot every 250 ms) and started again.
 * Promises: its list sequences go on where they were (no gap without a new epoch, SPEC §6), and no scan it
 * published loses its rows in scan_results (the persist queue lives in Redis, the jobs process drains it).
 */

it('orchestrator kill -9 mid-run: sequences continue, no scan_results row lost', async () => {
  const s = await startServices();
  const env = {
    ...s.env,
    ...FAST_SIM_ENV,
  };
  const jobs = startEntry('jobs/main.ts', env);
  let orchestrator = startEntry('orchestrator/main.ts', env);
  const length = () => s.redis.xlen(s.keys.messagesStream);
  await waitFor(async () => (await length()) >= 100, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: `100 list messages\n${orchestrator.output}`,
  });
  await orchestrator.kill9();
  const before = await length();

  const restartedAt = Date.now();
  orchestrator = startEntry('orchestrator/main.ts', env);
  await waitFor(async () => (await length()) > before, {
    timeoutMs: 60_000,
    intervalMs: 20,
    what: `a message from the restarted orchestrator\n${orchestrator.output}`,
  });
  const firstMessageMs = Date.now() - restartedAt;
  await waitFor(async () => (await length()) >= before + 100, { timeoutMs: 60_000, intervalMs: 100 });
  expect(await orchestrator.stop()).toBe(0);
  await waitFor(async () => (await persistBacklog(s)) === 0, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: `the persist queue to drain\n${jobs.output}`,
  });

  const entries = await streamEntries(s);
  const gaps = seqGaps(entries.map((e) => e.msg));
  const epochs = new Set(entries.map((e) => e.msg.epoch)).size;
  const persisted = await persistedScanTimes(s);
  const published = new Set(entries.map((e) => Date.parse(e.msg.ts)));
  const lost = [...published].filter((t) => !persisted.has(t));
  record({
    name: '1 orchestrator kill -9',
    criterion: 'no seq gap within an epoch; published scans without scan_results rows = 0',
    figure:
      `${gaps.length} seq gaps (${epochs} epoch), ${lost.length}/${published.size} scans lost, ` +
      `first message ${seconds(firstMessageMs)} after restart`,
    pass: gaps.length === 0 && lost.length === 0,
  });
  expect(gaps).toEqual([]);
  expect(lost).toEqual([]);
  expect(epochs).toBe(1);
});
