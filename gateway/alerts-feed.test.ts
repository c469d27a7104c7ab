import { describe, expect, it } from 'vitest';
import { appendAlerts } from '../shared/bus/alerts-stream.js';
import { createLogger } from '../shared/logger.js';
import type { AlertMessage } from '../shared/protocol/alert-messages.js';
import { AlertSequencer } from '../shared/alerts/alert-messages.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { freshRedis } from '../test/utils/redis.js';
import { scanRow } from '../test/utils/scan-row.js';
import { AlertsFeed } from './alerts-feed.js';

const TS = '2026-03-02T14:45:01.123Z';

/** Publishes scans with `n` alerts each, as the orchestrator's Publisher does (appendAlerts in its MULTI). */
function publisher(r: ReturnType<typeof freshRedis>) {
  const alerts = new AlertSequencer(() => 'alerts-epoch');
  let symbol = 0;
  return async (n: number): Promise<AlertMessage[]> => {
    const sequenced = alerts.sequence(
      Array.from({ length: n }, () => {
        const s = `S${++symbol}`;
        return {
          type: 'alert' as const,
          ts: TS,
          kind: 'running_up' as const,
          symbol: s,
          price: 10,
          value: 2,
          description: 'Up 2.0 % in 1 min',
          list: null,
          row: scanRow(s, 1),
        };
      }),
    );
    const multi = r.redis.multi();
    appendAlerts(multi, r.keys, sequenced, alerts.state);
    await multi.exec();
    return sequenced;
  };
}

describe('AlertsFeed (the gateway side of the alerts stream)', () => {
  it('holds the last 200 alerts at start, then hands on each new alert in seq order and keeps the newest 200', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const publish = publisher(r);
    await publish(150);
    await publish(100);
    const got: AlertMessage[] = [];
    const jsons: string[] = [];
    const feed = new AlertsFeed({
      redis: r.redis,
      keys: r.keys,
      logger: createLogger('test', 'silent'),
      blockMs: 200,
      onAlert: (a, json) => {
        got.push(a);
        jsons.push(json);
      },
    });
    onCleanup(() => feed.stop());
    await feed.start();
    expect(feed.recent().map((h) => h.alert.seq)).toEqual(Array.from({ length: 200 }, (_, i) => 51 + i));
    expect(feed.position()).toEqual({ epoch: 'alerts-epoch', seq: 250 });
    expect(got).toEqual([]);

    const next = await publish(3);
    await expect.poll(() => got.length).toBe(3);
    expect(got).toEqual(next);
    expect(jsons).toEqual(next.map((a) => JSON.stringify(a)));
    expect(feed.recent()).toHaveLength(200);
    expect(feed.recent().at(-1)!.alert.seq).toBe(253);
    expect(feed.healthy).toBe(true);
  });

  it('starts empty on a stream never written', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const feed = new AlertsFeed({
      redis: r.redis,
      keys: r.keys,
      logger: createLogger('test', 'silent'),
      blockMs: 200,
      onAlert: () => {},
    });
    onCleanup(() => feed.stop());
    await feed.start();
    expect(feed.recent()).toEqual([]);
    expect(feed.position()).toBeUndefined();
  });
});
