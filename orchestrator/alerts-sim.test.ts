import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { readRecentAlerts } from '../shared/bus/alerts-stream.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { freshRedis } from '../test/utils/redis.js';
import { waitFor } from '../test/utils/wait.js';
import { FAST_FEEDS, startOrchestrator } from '../test/utils/orchestrator-process.js';

async function alertsOf(r: ReturnType<typeof freshRedis>): Promise<AlertMessage[]> {
  const { entries } = await readRecentAlerts(r.redis, r.keys, 1_000_000);
  return entries.flatMap((e) => (e.ok ? [e.alert] : []));
}

describe('alerts live from the simulator (FEED=sim)', () => {
  it('streams several kinds of alerts in each of the first simulated minutes of the open', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const child = startOrchestrator(r.keys.prefix, FAST_FEEDS.simOpen);
    onCleanup(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    });
    const minutes = (alerts: readonly AlertMessage[]) => new Set(alerts.map((a) => a.ts.slice(0, 16)));
    // Three whole simulated minutes after the first one with an alert.
    await waitFor(async () => minutes(await alertsOf(r)).size >= 5, { timeoutMs: 90_000, intervalMs: 500 });
    child.kill('SIGTERM');
    await once(child, 'exit');

    const alerts = await alertsOf(r);
    expect(alerts.map((a) => a.seq)).toEqual(alerts.map((_, i) => i + 1));
    const byMinute = new Map<string, Set<string>>();
    for (const a of alerts) {
      const m = a.ts.slice(0, 16);
      byMinute.set(m, (byMinute.get(m) ?? new Set()).add(a.kind));
    }
    // The first and last minutes seen may be partial: the whole ones in between.
    const whole = [...byMinute.keys()].sort().slice(1, -1);
    expect(whole.length).toBeGreaterThanOrEqual(3);
    for (const m of whole) expect(byMinute.get(m)!.size, `kinds at ${m}Z`).toBeGreaterThanOrEqual(3);
  }, 150_000);
});
