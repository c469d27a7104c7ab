import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyListMessage } from '../shared/scan/deltas.js';
import { freshRedis, streamMessages, testRedisUrl } from '../test/utils/redis.js';

const root = path.resolve(import.meta.dirname, '..');

function startOrchestrator(prefix: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'orchestrator/main.ts')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      FEED: 'replay',
      REPLAY_FILE: path.join(root, 'samples/day.ndjson'),
      // The sample's 16-hour day in about 20 seconds.
      REPLAY_SPEED: '3000',
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: prefix,
      // No scanner tables there: reference loads fail, are counted, and the scan goes on without them.
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      WORKER_THREADS: '1',
      LOG_LEVEL: 'fatal',
    },
  });
}

describe('orchestrator process restarts (SPEC §6)', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('continues every list sequence without a gap after SIGKILL, and stops cleanly on SIGTERM', async () => {
    const r = freshRedis();
    try {
      const length = () => r.redis.xlen(r.keys.messagesStream);
      const until = async (cond: () => Promise<boolean>, ms: number) => {
        const end = Date.now() + ms;
        while (!(await cond())) {
          if (Date.now() > end) throw new Error('timed out waiting for the orchestrator');
          await new Promise((res) => setTimeout(res, 50));
        }
      };

      const first = startOrchestrator(r.keys.prefix);
      children.push(first);
      await until(async () => (await length()) >= 40, 30_000);
      first.kill('SIGKILL');
      await once(first, 'exit');
      const beforeRestart = await length();

      const second = startOrchestrator(r.keys.prefix);
      children.push(second);
      await until(async () => (await length()) >= beforeRestart + 20, 30_000);
      second.kill('SIGTERM');
      const [code] = (await once(second, 'exit')) as [number | null];
      expect(code).toBe(0);

      const messages = await streamMessages(r.redis, r.keys);
      expect(new Set(messages.map((m) => m.epoch)).size).toBe(1);
      const lastSeq = new Map<string, number>();
      const held = new Map<string, string[]>();
      for (const m of messages) {
        expect(m.prevSeq, `${m.list} seq ${m.seq}`).toBe(lastSeq.get(m.list) ?? 0);
        expect(m.seq).toBe(m.prevSeq + 1);
        lastSeq.set(m.list, m.seq);
        // Applying every message in order never breaks a client's list.
        held.set(m.list, applyListMessage(held.get(m.list) ?? [], m));
      }
      // The second run's first messages are deltas continuing the first run's lists, not fresh snapshots.
      const afterRestart = messages.slice(beforeRestart);
      expect(afterRestart.length).toBeGreaterThan(0);
      expect(afterRestart.every((m) => m.type === 'delta')).toBe(true);
    } finally {
      await r.cleanup();
    }
  }, 90_000);
});
