import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { applyListMessage } from '../test/utils/list-model.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import { metadata, ny } from '../test/utils/market.js';
import { MemoryJobs, orchestratorFor, ScriptedSource, snap } from '../test/utils/orchestrator.js';
import { freshRedis, storedSequencerState, storedSnapshot, streamMessages } from '../test/utils/redis.js';
import type { MarketEvent } from './market-source.js';
import { staticReferenceData } from './reference-data.js';
import { ScanPool } from './scan-pool.js';

describe('Orchestrator', () => {
  function setup(r = freshRedis(), pool?: ScanPool) {
    const source = new ScriptedSource();
    const jobs = new MemoryJobs();
    const o = orchestratorFor(r, source, {
      reference: staticReferenceData({ metadata: [metadata('AAA'), metadata('BBB')] }),
      jobs,
      ...(pool ? { pool } : {}),
    });
    return { o, source, jobs, r };
  }

  it('publishes snapshots, then deltas, with the current snapshots and state in Redis', async () => {
    const { o, source, jobs, r } = setup();
    onCleanup(r.cleanup);
    onCleanup(() => o.stop());
    await o.start();
    source.push(
      snap('10:00', [
        ['AAA', 10.5, 10],
        ['BBB', 9, 10],
      ]),
    );
    await waitFor(async () => (await streamMessages(r.redis, r.keys)).length === 11);
    source.push(
      snap('10:00:05', [
        ['AAA', 9.5, 10],
        ['BBB', 9, 10],
      ]),
    );
    await waitFor(() => o.counters.scans === 2);

    const msgs = await streamMessages(r.redis, r.keys);
    expect(msgs.slice(0, 11).map((m) => [m.list, m.type, m.seq])).toEqual(
      LIST_NAMES.map((l) => [l, 'snapshot', 1]),
    );
    const gappersUp = msgs.filter((m) => m.list === 'gappers_up');
    expect(gappersUp.at(-1)).toMatchObject({
      type: 'delta',
      seq: 2,
      prevSeq: 1,
      deltas: [{ action: 'remove', symbol: 'AAA' }],
    });

    const stored = await storedSnapshot(r.redis, r.keys, 'gappers_down');
    expect(stored).toMatchObject({ type: 'snapshot', seq: 2, rows: [{ symbol: 'BBB' }, { symbol: 'AAA' }] });
    expect((await storedSequencerState(r.redis, r.keys)).epoch).toBe(o.epoch);
    expect(jobs.persisted).toEqual([2, 2]);
    expect(jobs.changes[0]).toEqual({ subscribe: ['AAA', 'BBB'], unsubscribe: [] });
  });

  it('continues every list at seq + 1 in the same epoch after a restart', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const first = setup(r);
    await first.o.start();
    first.source.push(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => first.o.counters.scans === 1);
    await first.o.stop();

    const second = setup({ ...r, cleanup: async () => {} });
    onCleanup(() => second.o.stop());
    await second.o.start();
    expect(second.o.epoch).toBe(first.o.epoch);
    second.source.push(snap('10:01', [['AAA', 9, 10]]));
    await waitFor(() => second.o.counters.scans === 1);

    const held = new Map<string, string[]>();
    const lastSeq = new Map<string, number>();
    for (const m of await streamMessages(r.redis, r.keys)) {
      expect(m.epoch).toBe(first.o.epoch);
      expect(m.prevSeq).toBe(lastSeq.get(m.list) ?? 0);
      lastSeq.set(m.list, m.seq);
      held.set(m.list, applyListMessage(held.get(m.list) ?? [], m));
    }
    expect(held.get('gappers_down')).toEqual(['AAA']);
    expect(held.get('gappers_up')).toEqual([]);
  });

  it('starts a new epoch with snapshots at seq 1 when the stored state is lost', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const first = setup(r);
    await first.o.start();
    first.source.push(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => first.o.counters.scans === 1);
    await first.o.stop();
    await r.redis.set(r.keys.sequencerState, '{not json');

    const second = setup({ ...r, cleanup: async () => {} });
    onCleanup(() => second.o.stop());
    await second.o.start();
    expect(second.o.epoch).not.toBe(first.o.epoch);
    second.source.push(snap('10:01', [['AAA', 10.5, 10]]));
    await waitFor(() => second.o.counters.scans === 1);
    const latest = (await streamMessages(r.redis, r.keys)).slice(-11);
    expect(latest.every((m) => m.type === 'snapshot' && m.seq === 1 && m.epoch === second.o.epoch)).toBe(
      true,
    );
  });

  it('keeps only the newest waiting snapshot while a scan runs, counting the dropped ones, and never drops aggregates', async () => {
    const pool = new ScanPool({ threads: 1 });
    const { o, source, r } = setup(freshRedis(), pool);
    onCleanup(r.cleanup);
    onCleanup(() => pool.close());
    onCleanup(() => o.stop());
    await o.start();
    // All four arrive before the loop takes its next batch: two snapshots are superseded while waiting.
    source.push(snap('10:00', [['AAA', 10.5, 10]]));
    source.push(snap('10:00:05', [['AAA', 10.6, 10]]));
    source.push({
      kind: 'aggregates',
      at: ny('10:00:06'),
      events: [{ sym: 'AAA', c: 10.7, h: 12, av: 20_000 }],
    });
    source.push(snap('10:00:10', [['AAA', 10.8, 10]]));
    await waitFor(() => o.counters.scans === 1);
    expect(o.counters).toMatchObject({ events: 2, droppedSnapshots: 2 });
    const stored = await storedSnapshot(r.redis, r.keys, 'gappers_up');
    // The aggregate's high survives the later snapshot.
    expect(stored.rows[0]).toMatchObject({ symbol: 'AAA', price: 10.8, high: 12 });
  });

  it('keeps scanning with no metadata or filters when the reference data cannot be loaded', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const source = new ScriptedSource();
    const failing = {
      loadMetadata: () => Promise.reject(new Error('connection refused')),
      loadBaselines: () => Promise.reject(new Error('connection refused')),
      loadFilters: () => Promise.reject(new Error('connection refused')),
    };
    const o = orchestratorFor(r, source, { reference: failing });
    onCleanup(() => o.stop());
    await o.start();
    source.push(snap('10:00', [['AAA', 10.5, 10]]));
    await waitFor(() => o.counters.scans === 1);
    expect(o.counters.referenceFailures).toBe(3);
    const stored = await storedSnapshot(r.redis, r.keys, 'gappers_up');
    expect(stored.rows[0]).toMatchObject({ symbol: 'AAA', companyName: null, rvol: null });
  });
});

describe('Orchestrator volume slots (SPEC §3.1: the live system writes volume_slots itself)', () => {
  it('writes every ticker’s cumulative volume at the end of each slot it saw, and the last slot of a day at rollover', async () => {
    const r = freshRedis();
    const source = new ScriptedSource();
    const jobs = new MemoryJobs();
    const o = orchestratorFor(r, source, { jobs });
    onCleanup(r.cleanup);
    onCleanup(() => o.stop());
    await o.start();
    const step = async (e: MarketEvent, scans: number) => {
      source.push(e);
      await waitFor(() => o.counters.scans >= scans);
    };
    await step(
      snap('10:00:00', [
        ['AAA', 10, 10],
        ['BBB', 5, 5],
      ]),
      1,
    ); // slot 72
    await step(
      snap('10:02:00', [
        ['AAA', 10, 10],
        ['BBB', 5, 5],
      ]),
      2,
    ); // still slot 72
    await step(snap('10:05:00', [['AAA', 10, 10]]), 3); // slot 73 begins: slot 72 is written
    await step(snap('10:20:00', [['AAA', 10, 10]]), 4); // slot 76: slot 73 is written (74, 75 saw no event)
    expect(jobs.slots).toEqual([
      { date: '2026-03-02', slot: 72, count: 2 },
      { date: '2026-03-02', slot: 73, count: 2 },
    ]);
    await step({ ...snap('04:05', [['AAA', 11, 10]]), at: ny('04:05', '2026-03-03') }, 5);
    expect(jobs.slots.at(-1)).toEqual({ date: '2026-03-02', slot: 76, count: 2 });
  });
});

describe('Orchestrator clock, start-up and publish failures', () => {
  async function running() {
    const r = freshRedis();
    const source = new ScriptedSource();
    onCleanup(r.cleanup);
    const o = orchestratorFor(r, source);
    onCleanup(() => o.stop());
    await o.start();
    return { r, source, o };
  }

  it('does not scan on aggregates alone before the first snapshot since start', async () => {
    const t = await running();
    t.source.push({ kind: 'aggregates', at: ny('10:00'), events: [{ sym: 'AAA', c: 11, av: 100 }] });
    await waitFor(() => t.o.counters.events === 1);
    expect(t.o.counters.scans).toBe(0);
    t.source.push(snap('10:00:05', [['AAA', 11, 10]]));
    await waitFor(() => t.o.counters.scans === 1);
  });

  it('never moves its clock backwards: a late event is applied at the latest instant seen', async () => {
    const t = await running();
    t.source.push(snap('10:00:05', [['AAA', 11, 10]]));
    await waitFor(() => t.o.counters.scans === 1);
    t.source.push({ kind: 'aggregates', at: ny('10:00:03'), events: [{ sym: 'AAA', c: 12, av: 100 }] });
    await waitFor(() => t.o.counters.scans === 2);
    const last = (await streamMessages(t.r.redis, t.r.keys)).at(-1)!;
    expect(last.ts).toBe(new Date(ny('10:00:05')).toISOString());
  });

  it('after a failed publish continues from the state Redis holds, never reusing a sequence number', async () => {
    const t = await running();
    t.source.push(snap('10:00', [['AAA', 11, 10]]));
    await waitFor(() => t.o.counters.scans === 1);
    // The stream key now holds a string: XADD fails inside the MULTI while the other commands still land.
    await t.r.redis.del(t.r.keys.messagesStream);
    await t.r.redis.set(t.r.keys.messagesStream, 'not a stream');
    t.source.push(snap('10:00:05', [['AAA', 9, 10]]));
    await waitFor(() => t.o.counters.publishFailures === 1);
    const stored = await storedSequencerState(t.r.redis, t.r.keys);
    await t.r.redis.del(t.r.keys.messagesStream);

    t.source.push(snap('10:00:10', [['AAA', 11.5, 10]]));
    await waitFor(() => t.o.counters.scans === 2);
    const msgs = await streamMessages(t.r.redis, t.r.keys);
    const gappersUp = msgs.find((m) => m.list === 'gappers_up')!;
    expect(gappersUp.prevSeq).toBe(stored.seqs.gappers_up);
    expect(gappersUp.seq).toBe(stored.seqs.gappers_up + 1);
    expect(gappersUp.epoch).toBe(stored.epoch);
  });
});
