import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { FAKE_API_KEY, startFakeVendor, type FakeVendor } from '../test/fake-vendor/server.js';
import { runEntry } from '../test/utils/process.js';
import { freshRedis, testRedisUrl } from '../test/utils/redis.js';

/** The feed process's exit codes, which ecosystem.config.cjs's `stop_exit_codes` rely on. */
describe('the feed process (feed/main.ts)', () => {
  it('exits 0 with an info log when FEED is not polygon, instead of failing', async () => {
    const { code, stdout } = await runEntry('feed/main.ts', { FEED: 'sim', LOG_LEVEL: 'info' });
    expect(code).toBe(0);
    expect(stdout).toContain('"level":30');
    expect(stdout).toContain('FEED is not polygon: the feed process has nothing to do');
  });

  it('exits 2 when FEED=polygon has no API key', async () => {
    const { code, stdout } = await runEntry('feed/main.ts', {
      FEED: 'polygon',
      POLYGON_API_KEY: '',
      MASSIVE_API_KEY: '',
    });
    expect(code).toBe(2);
    expect(stdout).toContain('FEED=polygon needs POLYGON_API_KEY');
  });

  it('exits 2 and says "API key refused" when the vendor WebSocket refuses the key', async () => {
    const vendor: FakeVendor = await startFakeVendor();
    const r = freshRedis();
    onCleanup(r.cleanup);
    onCleanup(() => vendor.close());
    const { code, stdout } = await runEntry('feed/main.ts', {
      FEED: 'polygon',
      POLYGON_API_KEY: `not-${FAKE_API_KEY}`,
      MASSIVE_API_KEY: '',
      POLYGON_WS_URL: vendor.wsUrl,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: r.keys.prefix,
    });
    expect(code).toBe(2);
    expect(stdout).toContain('vendor WebSocket stopped: API key refused');
    expect(vendor.ws.connections).toHaveLength(1);
  });
});
