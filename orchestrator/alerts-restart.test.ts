import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { loadAlertSequence, readRecentAlerts } from '../shared/bus/alerts-stream.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { freshRedis } from '../test/utils/redis.js';
import { waitFor } from '../test/utils/wait.js';
import { FAST_FEEDS, startOrchestrator } from '../test/utils/orchestrator-process.js';

describe('the alerts stream across orchestrator restarts (SPEC §14)', () => {
  it('continues the alerts seq in the same epoch after SIGKILL, with no gap and no seq used twice', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const length = () => r.redis.xlen(r.keys.alertsStream);

    const first = startOrchestrator(r.keys.prefix, FAST_FEEDS.replay);
    await waitFor(async () => (await length()) >= 20, { timeoutMs: 40_000 });
    first.kill('SIGKILL');
    await once(first, 'exit');
    const beforeRestart = await length();

    const second = startOrchestrator(r.keys.prefix, FAST_FEEDS.replay);
    await waitFor(async () => (await length()) >= beforeRestart + 20, { timeoutMs: 40_000 });
    second.kill('SIGTERM');
    expect((await once(second, 'exit'))[0]).toBe(0);

    const { entries } = await readRecentAlerts(r.redis, r.keys, 100_000);
    const alerts = entries.map((e) => {
      if (!e.ok) throw e.error;
      return e.alert;
    });
    expect(alerts.length).toBeGreaterThan(beforeRestart);
    expect(new Set(alerts.map((a) => a.epoch)).size).toBe(1);
    expect(alerts.map((a) => a.seq)).toEqual(alerts.map((_, i) => i + 1));
    // The stored position is the last alert published: the next run would go on from there.
    expect(await loadAlertSequence(r.redis, r.keys)).toEqual({
      epoch: alerts[0]!.epoch,
      seq: alerts.at(-1)!.seq,
    });
  }, 120_000);
});
