import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { metadata } from '../test/utils/market.js';
import { orchestratorFor, ScriptedSource, snap } from '../test/utils/orchestrator.js';
import { freshRedis } from '../test/utils/redis.js';
import type { SourceStats } from './market-source.js';
import { staticReferenceData } from './reference-data.js';

/** A scripted source that also reports health, as the vendor poller does. */
class ReportingSource extends ScriptedSource {
  health: SourceStats = {};
  stats(): SourceStats {
    return this.health;
  }
}

describe("the orchestrator's published metrics", () => {
  it("carry the source's stale-data flag and rejected rows with each scan, for /metrics", async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const source = new ReportingSource();
    const o = orchestratorFor(r, source, {
      reference: staticReferenceData({ metadata: [metadata('AAA')] }),
    });
    onCleanup(() => o.stop());
    await o.start();

    source.push(snap('10:00', [['AAA', 10, 9]]));
    await waitFor(async () => (await r.redis.hget(r.keys.orchestratorMetrics, 'scans')) === '1');
    expect(await r.redis.hmget(r.keys.orchestratorMetrics, 'sourceStale', 'rejectedRows')).toEqual([
      '0',
      '0',
    ]);

    source.health = { stale: true, rejectedByReason: { no_price: 3, duplicate_ticker: 1 } };
    source.push(snap('10:00:05', [['AAA', 10.5, 9]]));
    await waitFor(async () => (await r.redis.hget(r.keys.orchestratorMetrics, 'scans')) === '2');
    const [stale, rejected, rss] = await r.redis.hmget(
      r.keys.orchestratorMetrics,
      'sourceStale',
      'rejectedRows',
      'rssBytes',
    );
    expect([stale, rejected]).toEqual(['1', '4']);
    expect(Number(rss)).toBeGreaterThan(10 * 2 ** 20);
  });
});
