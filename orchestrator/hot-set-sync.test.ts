import { describe, expect, it, vi } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { loadHotMembers, saveHotMembers } from '../shared/bus/hot-set.js';
import { metadata } from '../test/utils/market.js';
import { MemoryJobs, orchestratorFor, ScriptedSource, snap } from '../test/utils/orchestrator.js';
import { freshRedis } from '../test/utils/redis.js';
import { HotSetSync } from './hot-set-sync.js';
import { staticReferenceData } from './reference-data.js';

describe('the hot set delivered to the feed (SPEC §7)', () => {
  it('stores the membership before enqueuing the change, and after a failed enqueue sends what accumulated', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const jobs = new MemoryJobs();
    const sync = new HotSetSync(r.redis, r.keys, jobs);

    await sync.sync(['AAA', 'BBB']);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['AAA', 'BBB']);

    jobs.failSubscriptions = 1;
    await expect(sync.sync(['BBB', 'CCC'])).rejects.toThrow('queue unavailable');
    // The feed reads this on its next (re)connect even though the job never went out.
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['BBB', 'CCC']);

    await sync.sync(['BBB', 'CCC', 'DDD']);
    expect(await sync.sync(['BBB', 'CCC', 'DDD'])).toBeUndefined();
    expect(jobs.changes).toEqual([
      { subscribe: ['AAA', 'BBB'], unsubscribe: [] },
      { subscribe: ['CCC', 'DDD'], unsubscribe: ['AAA'] },
    ]);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['BBB', 'CCC', 'DDD']);
  });

  it('writes an unchanged membership again after resaveMs, so a Redis that restarted empty gets it back', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    // Only Date is faked (HotSetSync times resaves with Date.now()); Redis keeps its real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    onCleanup(() => vi.useRealTimers());
    const jobs = new MemoryJobs();
    const sync = new HotSetSync(r.redis, r.keys, jobs, 500);
    await sync.sync(['AAA']);
    await r.redis.del(r.keys.hotMembers); // as after a restart of a Redis that keeps nothing on disk
    await sync.sync(['AAA']);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual([]); // not yet: within resaveMs
    vi.advanceTimersByTime(550);
    expect(await sync.sync(['AAA'])).toBeUndefined(); // no job: nothing changed for the feed
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['AAA']);
    expect(jobs.changes).toHaveLength(1);
  });

  it('a restarted orchestrator unsubscribes the previous run’s symbols that are in no list once the grace period ends', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    await saveHotMembers(r.redis, r.keys, ['AAA', 'OLD']);
    const jobs = new MemoryJobs();
    const source = new ScriptedSource();
    const o = orchestratorFor(r, source, {
      reference: staticReferenceData({ metadata: [metadata('AAA'), metadata('BBB')] }),
      jobs,
      hotGraceMs: 3_000,
    });
    onCleanup(() => o.stop());
    await o.start();
    expect(source.hot).toEqual(['AAA', 'OLD']);

    const both = (time: string) =>
      snap(time, [
        ['AAA', 10.5, 10],
        ['BBB', 9, 10],
      ]);
    source.push(both('10:00'));
    await waitFor(() => jobs.changes.length === 1);
    // OLD is in no list: its grace period starts; AAA was already delivered, only BBB is new.
    expect(jobs.changes).toEqual([{ subscribe: ['BBB'], unsubscribe: [] }]);

    source.push(both('10:00:05'));
    await waitFor(() => jobs.changes.length === 2);
    expect(jobs.changes).toEqual([
      { subscribe: ['BBB'], unsubscribe: [] },
      { subscribe: [], unsubscribe: ['OLD'] },
    ]);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['AAA', 'BBB']);
    expect(source.hot).toEqual(['AAA', 'BBB']);
  });
});
