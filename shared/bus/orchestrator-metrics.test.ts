import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import {
  loadOrchestratorMetrics,
  ORCHESTRATOR_METRICS,
  putOrchestratorMetrics,
  type OrchestratorMetricName,
  type OrchestratorMetrics,
} from './orchestrator-metrics.js';

describe('the orchestrator metrics contract (real Redis)', () => {
  it('loads back every figure the writer stored', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const names = Object.keys(ORCHESTRATOR_METRICS) as OrchestratorMetricName[];
    const metrics = Object.fromEntries(names.map((n, i) => [n, i * 1.5])) as OrchestratorMetrics;
    const multi = r.redis.multi();
    putOrchestratorMetrics(multi, r.keys, metrics);
    await multi.exec();
    expect(await loadOrchestratorMetrics(r.redis, r.keys)).toEqual(metrics);
  });

  it('loads nothing before the first write, and leaves out a field that is not a number', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    expect(await loadOrchestratorMetrics(r.redis, r.keys)).toEqual({});
    await r.redis.hset(r.keys.orchestratorMetrics, {
      scans: '12',
      tickers: 'many',
      lastScanMs: '',
      other: '3',
    });
    expect(await loadOrchestratorMetrics(r.redis, r.keys)).toEqual({ scans: 12 });
  });
});
