import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { ny } from '../test/utils/market.js';
import { orchestratorFor, ScriptedSource } from '../test/utils/orchestrator.js';
import { freshRedis, streamMessages } from '../test/utils/redis.js';
import { waitFor } from '../test/utils/wait.js';
import { putScan, removeScan } from '../shared/bus/scan-registry.js';
import type { ListMessage } from '../shared/protocol/messages.js';
import { parseScan } from '../shared/scan/scan-definition.js';
import { presetScans } from '../shared/scan/scan-presets.js';
import { DEFAULT_SCAN_SETTINGS } from '../shared/scan/settings.js';
import { Simulator } from '../shared/sim/simulator.js';
import type { MarketEvent } from './market-source.js';
import { staticReferenceData } from './reference-data.js';
import { ScanPool } from './scan-pool.js';
import type { ShardRanker } from './scan-pool.js';

const DAY = '2026-03-03';
const sim = new Simulator({ seed: 7, tickers: 600 });
const reference = staticReferenceData({ metadata: sim.metadata(), history: [...sim.historyRows(5, DAY)] });
const snapshotAt = (time: string): MarketEvent => {
  const at = ny(time, DAY);
  return { kind: 'snapshot-rows', at, tickers: sim.snapshotAt(at).tickers ?? [] };
};
const custom = parseScan({
  id: 'mine',
  where: [
    [{ field: 'changePercent', op: '>=', value: 1 }],
    [{ field: 'sector', op: '==', value: 'Technology' }],
  ],
  sort: { field: 'dollarVolume', dir: 'desc' },
  limit: 15,
});

type Message = ListMessage | (Omit<ListMessage, 'list'> & { list: string });

/** Runs an orchestrator over the given snapshots (one scan each), then stops it. */
async function run(
  r: ReturnType<typeof freshRedis>,
  times: readonly string[],
  pool?: ShardRanker,
  o: { scanListGraceMs?: number; before?: (tick: number) => Promise<void> } = {},
): Promise<void> {
  const source = new ScriptedSource();
  const orch = orchestratorFor(r, source, {
    reference,
    pool,
    scansReloadMs: 0,
    scanListGraceMs: o.scanListGraceMs,
  });
  onCleanup(() => orch.stop());
  await orch.start();
  for (const [k, time] of times.entries()) {
    await o.before?.(k);
    source.push(snapshotAt(time));
    await waitFor(() => orch.counters.scans === k + 1, { timeoutMs: 30_000 });
  }
  await orch.stop();
}

function fresh() {
  const r = freshRedis();
  onCleanup(r.cleanup);
  return r;
}

/** Each list's messages in order: seq/prevSeq never break, one epoch. */
function expectContinuous(messages: readonly Message[]): void {
  const last = new Map<string, number>();
  for (const m of messages) {
    expect(m.prevSeq, `${m.list} seq ${m.seq}`).toBe(last.get(m.list) ?? 0);
    expect(m.seq).toBe(m.prevSeq + 1);
    last.set(m.list, m.seq);
  }
  expect(new Set(messages.map((m) => m.epoch)).size).toBe(1);
}

describe('user-defined scans in the orchestrator (SPEC §13, real Redis, worker threads)', () => {
  it('publishes the 11 presets registered as scans exactly as the 11 lists, continuing every sequence across a restart', async () => {
    const r = fresh();
    const pool = new ScanPool({ threads: 2 });
    onCleanup(() => pool.close());
    const presets = presetScans(DEFAULT_SCAN_SETTINGS.thresholds, DEFAULT_SCAN_SETTINGS.listLimit);
    const listOf = new Map<string, string>();
    for (const p of presets) listOf.set(p.id, await putScan(r.redis, r.keys, 'saved', p));
    const mine = await putScan(r.redis, r.keys, 'gw-1:conn-1', custom, { leaseMs: 60_000 });
    // Another client's identical definition is the same list, evaluated once.
    expect(await putScan(r.redis, r.keys, 'gw-2:conn-7', { ...custom, id: 'theirs' })).toBe(mine);

    await run(r, ['09:35', '09:50', '10:10', '10:40'], pool);
    const beforeRestart = (await streamMessages(r.redis, r.keys)).length;
    await run(r, ['11:00', '11:30', '12:10', '13:00'], pool);
    const messages = (await streamMessages(r.redis, r.keys)) as Message[];

    expectContinuous(messages);
    // Built-in lists first, then the scan lists, within each tick: the first message of a scan list comes after
    // every built-in list's first message.
    for (const p of presets) {
      const builtIn = messages.filter((m) => m.list === p.id);
      const scanned = messages.filter((m) => m.list === listOf.get(p.id));
      expect(builtIn.length, p.id).toBeGreaterThan(1);
      expect(
        scanned.map((m) => ({ ...m, list: p.id })),
        p.id,
      ).toEqual(builtIn);
    }
    const custom1 = messages.filter((m) => m.list === mine);
    expect(custom1[0]!.type).toBe('snapshot');
    expect(custom1.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    expect(custom1.length).toBeGreaterThan(2);
    // The second run continued the scan lists with deltas (no new snapshot), as it did the built-in lists.
    const second = messages.slice(beforeRestart);
    expect(second.some((m) => m.list === mine)).toBe(true);
    expect(second.every((m) => m.type === 'delta')).toBe(true);
    // The stored snapshot of a scan list is its state: seq as last published.
    const stored = JSON.parse((await r.redis.hget(r.keys.listSnapshots, mine))!) as Message;
    expect(stored.seq).toBe(custom1.at(-1)!.seq);
    // The compiled set went to the threads until both held it, not with every shard of every tick.
    expect(pool.counters.scanSetsSent).toBeGreaterThanOrEqual(2);
    expect(pool.counters.scanSetsSent).toBeLessThan(8);
    const metrics = await r.redis.hgetall(r.keys.orchestratorMetrics);
    expect(Number(metrics.scansActive)).toBe(12);
    expect(Number(metrics.lastScanEvalMs)).toBeGreaterThan(0);
  }, 120_000);

  it('gives the same scan lists with the worker pool as on one thread', async () => {
    const inline = fresh();
    const pooled = fresh();
    const pool = new ScanPool({ threads: 2 });
    onCleanup(() => pool.close());
    for (const r of [inline, pooled]) await putScan(r.redis, r.keys, 'saved', custom);
    await run(inline, ['09:40', '10:20', '11:05']);
    await run(pooled, ['09:40', '10:20', '11:05'], pool);
    // Epochs are random per run: compare everything else.
    const strip = (ms: ListMessage[]) => ms.map(({ epoch: _, ...m }) => m);
    expect(strip(await streamMessages(pooled.redis, pooled.keys))).toEqual(
      strip(await streamMessages(inline.redis, inline.keys)),
    );
  }, 120_000);

  it('stops publishing a removed scan, resumes its sequence when it is re-added within the grace, and deletes its state after', async () => {
    const r = fresh();
    const list = await putScan(r.redis, r.keys, 'o', custom);
    const times = ['09:40', '10:00', '10:20', '10:40', '11:00', '11:20'];
    await run(r, times, undefined, {
      scanListGraceMs: 60_000,
      before: async (tick) => {
        if (tick === 2) await removeScan(r.redis, r.keys, 'o', 'mine');
        if (tick === 4) await putScan(r.redis, r.keys, 'o', custom);
      },
    });
    const messages = ((await streamMessages(r.redis, r.keys)) as Message[]).filter((m) => m.list === list);
    const atTs = new Set(messages.map((m) => m.ts));
    expect(atTs.has(new Date(ny('10:20', DAY)).toISOString())).toBe(false);
    expect(atTs.has(new Date(ny('10:40', DAY)).toISOString())).toBe(false);
    expect(messages.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    expectContinuous(messages);

    // With no grace, a removed scan's stored snapshot is deleted at the next tick.
    await removeScan(r.redis, r.keys, 'o', 'mine');
    await run(r, ['12:00'], undefined, { scanListGraceMs: 0 });
    expect(await r.redis.hexists(r.keys.listSnapshots, list)).toBe(0);
  }, 120_000);
});
