import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { FAKE_API_KEY, FAULTS, startFakeVendor, type FakeVendor } from '../test/fake-vendor/server.js';
import { runEntry } from '../test/utils/process.js';
import { freshRedis, testRedisUrl } from '../test/utils/redis.js';

describe('the orchestrator process (orchestrator/main.ts)', () => {
  it('exits 2 (pm2 leaves it stopped) when the vendor refuses the key, whatever the session', async () => {
    const vendor: FakeVendor = await startFakeVendor();
    const r = freshRedis();
    onCleanup(r.cleanup);
    onCleanup(() => vendor.close());
    const { code, stdout } = await runEntry('orchestrator/main.ts', {
      FEED: 'polygon',
      POLYGON_API_KEY: `not-${FAKE_API_KEY}`,
      MASSIVE_API_KEY: '',
      POLYGON_REST_URL: vendor.restUrl,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: r.keys.prefix,
      WORKER_THREADS: '1',
    });
    expect(code).toBe(2);
    expect(stdout).toContain('vendor: API key refused; not starting');
    expect(vendor.rest.requestsTo('upcoming').map((q) => q.status)).toEqual([401]);
  });

  it('exits 2 and says "not entitled to this data (plan)" when a snapshot poll in a session gets a 403', async () => {
    const vendor: FakeVendor = await startFakeVendor();
    vendor.rest.inject('snapshot', FAULTS.notEntitled(), 100);
    const r = freshRedis();
    onCleanup(r.cleanup);
    onCleanup(() => vendor.close());
    const { code, stdout } = await runEntry('orchestrator/main.ts', {
      // A Monday in the regular session: the poller only polls while the market is open.
      TEST_CLOCK_START: '2026-03-02T10:00:00-05:00',
      FEED: 'polygon',
      POLYGON_API_KEY: FAKE_API_KEY,
      MASSIVE_API_KEY: '',
      POLYGON_REST_URL: vendor.restUrl,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: r.keys.prefix,
      WORKER_THREADS: '1',
    });
    expect(code).toBe(2);
    expect(stdout).toContain('vendor: not entitled to this data (plan): snapshot polling stopped');
    expect(stdout).toContain('"msg":"stopped"');
    expect(vendor.rest.requestsTo('snapshot').map((q) => q.status)).toEqual([403]);
  });
});
