import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import {
  loadOrchestratorStatus,
  putOrchestratorReport,
  putReceivedAt,
  servedFreshness,
} from './orchestrator-status.js';

describe('the orchestrator status contract (real Redis)', () => {
  it('loads back the report and the receipt time the writers stored', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    const multi = r.redis.multi();
    putOrchestratorReport(multi, r.keys, { reportedAtMs: 1_000, session: 'MARKET_OPEN', state: 'stale' });
    putReceivedAt(multi, r.keys, 900);
    await multi.exec();
    expect(await loadOrchestratorStatus(r.redis, r.keys)).toEqual({
      reportedAtMs: 1_000,
      session: 'MARKET_OPEN',
      state: 'stale',
      receivedAtMs: 900,
    });
  });

  it('keeps the receipt time when a later report is written alone', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    let multi = r.redis.multi();
    putReceivedAt(multi, r.keys, 900);
    await multi.exec();
    multi = r.redis.multi();
    putOrchestratorReport(multi, r.keys, { reportedAtMs: 5_000, session: 'CLOSED', state: 'closed' });
    await multi.exec();
    expect(await loadOrchestratorStatus(r.redis, r.keys)).toMatchObject({
      receivedAtMs: 900,
      state: 'closed',
    });
  });

  it('loads nothing before the first write, and leaves out fields it cannot read', async () => {
    const r = freshRedis();
    onCleanup(() => r.cleanup());
    expect(await loadOrchestratorStatus(r.redis, r.keys)).toEqual({});
    await r.redis.hset(r.keys.orchestratorStatus, {
      reportedAtMs: 'soon',
      session: 'LUNCH',
      state: 'fine',
      receivedAtMs: '12',
    });
    expect(await loadOrchestratorStatus(r.redis, r.keys)).toEqual({ receivedAtMs: 12 });
  });
});

describe('what a reader serves from the status', () => {
  const report = { reportedAtMs: 10_000, session: 'MARKET_OPEN', state: 'live' } as const;

  it("serves the orchestrator's verdict while its report is at most staleAfterMs old", () => {
    expect(servedFreshness({ ...report, receivedAtMs: 9_000 }, 25_000, 15_000)).toEqual({
      source: 'live',
      ageMs: 16_000,
      session: 'MARKET_OPEN',
    });
    expect(servedFreshness({ ...report, state: 'closed' }, 12_000, 15_000).source).toBe('closed');
  });

  it('says down when the report is older than staleAfterMs, missing, or says the orchestrator stopped', () => {
    expect(servedFreshness(report, 25_001, 15_000).source).toBe('down');
    expect(servedFreshness({}, 25_001, 15_000)).toEqual({ source: 'down', ageMs: null, session: null });
    expect(servedFreshness({ ...report, state: 'down' }, 10_001, 15_000).source).toBe('down');
  });

  it('measures the age on the wall clock from the receipt, never clamped', () => {
    expect(servedFreshness({ ...report, receivedAtMs: 10_500 }, 10_000, 15_000).ageMs).toBe(-500);
    expect(servedFreshness({ ...report, receivedAtMs: 0 }, 10_000, 15_000).ageMs).toBe(10_000);
  });
});
