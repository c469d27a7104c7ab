import { once } from 'node:events';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { FAST_FEEDS, startOrchestrator } from '../test/utils/orchestrator-process.js';
import { QUEUES } from '../shared/bus/keys.js';
import { MarketCalendar } from '../shared/market/calendar.js';
import { marketClock } from '../shared/market/session-clock.js';
import { applyListMessage, applyListRows } from '../test/utils/list-model.js';
import type { ScanRow } from '../shared/protocol/messages.js';
import { LIST_NAMES } from '../shared/scan/lists.js';
import { freshRedis, storedSequencerState, storedSnapshot, streamMessages } from '../test/utils/redis.js';

describe('orchestrator process restarts (SPEC §6)', () => {
  it('continues every list sequence without a gap after SIGKILL, and on SIGTERM publishes its last scan and writes the open volume slot', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const length = () => r.redis.xlen(r.keys.messagesStream);

    const first = startOrchestrator(r.keys.prefix, FAST_FEEDS.replay);
    await waitFor(async () => (await length()) >= 40, { timeoutMs: 30_000 });
    first.kill('SIGKILL');
    await once(first, 'exit');
    const beforeRestart = await length();

    const secondStartedAt = Date.now();
    const second = startOrchestrator(r.keys.prefix, FAST_FEEDS.replay);
    await waitFor(async () => (await length()) >= beforeRestart + 20, { timeoutMs: 30_000 });
    second.kill('SIGTERM');
    const [code] = (await once(second, 'exit')) as [number | null];
    expect(code).toBe(0);

    const messages = await streamMessages(r.redis, r.keys);
    expect(new Set(messages.map((m) => m.epoch)).size).toBe(1);
    const lastSeq = new Map<string, number>();
    const held = new Map<string, string[]>();
    const heldRows = new Map<string, ScanRow[]>();
    for (const m of messages) {
      expect(m.prevSeq, `${m.list} seq ${m.seq}`).toBe(lastSeq.get(m.list) ?? 0);
      expect(m.seq).toBe(m.prevSeq + 1);
      lastSeq.set(m.list, m.seq);
      // Applying every message in order never breaks a client's list.
      held.set(m.list, applyListMessage(held.get(m.list) ?? [], m));
      // …nor its rows: every update's fields merge into a row the client holds, across the restart too.
      heldRows.set(m.list, applyListRows(heldRows.get(m.list) ?? [], m));
    }
    // The second run's first messages are deltas continuing the first run's lists, not fresh snapshots.
    const afterRestart = messages.slice(beforeRestart);
    expect(afterRestart.length).toBeGreaterThan(0);
    expect(afterRestart.every((m) => m.type === 'delta')).toBe(true);

    // SIGTERM finished the tick in progress: the stored state continues exactly the last messages published.
    const stored = await storedSequencerState(r.redis, r.keys);
    for (const list of LIST_NAMES) {
      expect(stored.seqs[list], list).toBe(lastSeq.get(list) ?? 0);
      // The stored snapshot is the rows last sent: exactly what a client that followed every message holds.
      expect((await storedSnapshot(r.redis, r.keys, list)).rows, list).toEqual(heldRows.get(list));
    }

    // ...and wrote the volume slot it was in, not only the slots that had ended: the second run's newest
    // slot job is at least as late as its last published scan.
    const persist = new Queue(QUEUES.persistence, { connection: r.redis, prefix: r.keys.bullPrefix });
    const slotJobs = (await persist.getJobs(['waiting'])).filter(
      (j) => j.name === 'slots' && j.timestamp >= secondStartedAt,
    );
    await persist.close();
    const newestSlot = Math.max(
      ...slotJobs.map((j) => (j.data as { rows: { slot: number }[] }).rows[0]!.slot),
    );
    const lastScan = marketClock(Date.parse(afterRestart.at(-1)!.ts), new MarketCalendar());
    expect(newestSlot).toBeGreaterThanOrEqual(lastScan.slot!);
  }, 90_000);
});
