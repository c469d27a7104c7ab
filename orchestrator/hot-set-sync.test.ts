import { afterEach, describe, expect, it } from 'vitest';
import { loadHotMembers, saveHotMembers } from '../shared/hot-members.js';
import { createLogger } from '../shared/logger.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { metadata, ny, snapshotRow } from '../test/utils/market.js';
import { freshRedis } from '../test/utils/redis.js';
import type { SubscriptionChange } from './hot-set.js';
import { HotSetSync } from './hot-set-sync.js';
import type { JobSink } from './job-sink.js';
import type { MarketEvent, MarketSource } from './market-source.js';
import { Orchestrator } from './orchestrator.js';
import { staticReferenceData } from './reference-data.js';

const logger = createLogger('test', 'silent');

/** Subscription jobs kept in memory; `failNext` makes the next enqueue fail, as with Redis down. */
class MemoryJobs implements JobSink {
  changes: SubscriptionChange[] = [];
  failNext = false;
  async persistScan() {}
  async persistVolumeSlots() {}
  async changeSubscriptions(c: SubscriptionChange) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('queue unavailable');
    }
    this.changes.push(c);
  }
  async close() {}
}

/** A source the test drives by hand, remembering the hot symbols it was given. */
class ScriptedSource implements MarketSource {
  readonly name = 'scripted';
  hot: readonly string[] = [];
  private sink: ((e: MarketEvent) => void) | null = null;
  async start(sink: (e: MarketEvent) => void) {
    this.sink = sink;
  }
  async stop() {
    this.sink = null;
  }
  setHotSymbols(symbols: readonly string[]) {
    this.hot = symbols;
  }
  push(e: MarketEvent) {
    this.sink?.(e);
  }
}

async function until(cond: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the hot set delivered to the feed (SPEC §7)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('stores the membership before enqueuing the change, and after a failed enqueue sends what accumulated', async () => {
    const r = freshRedis();
    cleanups.push(r.cleanup);
    const jobs = new MemoryJobs();
    const sync = new HotSetSync(r.redis, r.keys, jobs);

    await sync.sync(['AAA', 'BBB']);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['AAA', 'BBB']);

    jobs.failNext = true;
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

  it('a restarted orchestrator unsubscribes the previous run’s symbols that are in no list once the grace period ends', async () => {
    const r = freshRedis();
    cleanups.push(r.cleanup);
    await saveHotMembers(r.redis, r.keys, ['AAA', 'OLD']);
    const jobs = new MemoryJobs();
    const source = new ScriptedSource();
    const o = new Orchestrator({
      source,
      redis: r.redis,
      keys: r.keys,
      reference: staticReferenceData({ metadata: [metadata('AAA'), metadata('BBB')] }),
      jobs,
      calendar: new MarketCalendar(),
      settings: DEFAULT_SCAN_SETTINGS,
      logger,
      hotGraceMs: 3_000,
      maxScansPerSecond: 1000,
    });
    cleanups.push(() => o.stop());
    await o.start();
    expect(source.hot).toEqual(['AAA', 'OLD']);

    const snap = (time: string): MarketEvent => ({
      kind: 'snapshot-rows',
      at: ny(time),
      tickers: [
        snapshotRow('AAA', { price: 10.5, prevClose: 10, volume: 10_000 }),
        snapshotRow('BBB', { price: 9, prevClose: 10, volume: 10_000 }),
      ],
    });
    source.push(snap('10:00'));
    await until(() => jobs.changes.length === 1);
    // OLD is in no list: its grace period starts; AAA was already delivered, only BBB is new.
    expect(jobs.changes).toEqual([{ subscribe: ['BBB'], unsubscribe: [] }]);

    source.push(snap('10:00:05'));
    await until(() => jobs.changes.length === 2);
    expect(jobs.changes).toEqual([
      { subscribe: ['BBB'], unsubscribe: [] },
      { subscribe: [], unsubscribe: ['OLD'] },
    ]);
    expect(await loadHotMembers(r.redis, r.keys)).toEqual(['AAA', 'BBB']);
    expect(source.hot).toEqual(['AAA', 'BBB']);
  });
});
