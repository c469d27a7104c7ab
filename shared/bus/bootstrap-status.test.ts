import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import {
  bootstrapHealth,
  readBootstrapStatus,
  writeBootstrapStatus,
  type BootstrapStatus,
} from './bootstrap-status.js';

const running: BootstrapStatus = {
  state: 'running',
  phase: 'history',
  step: 'backfill',
  reason: 'no ticker metadata stored',
  done: 3412,
  total: 12_000,
  errors: 2,
  ratePerSec: 45.2,
  etaSec: 190,
  requests: 15_500,
  startedAt: '2026-03-11T14:00:00.000Z',
  updatedAt: '2026-03-11T14:08:00.000Z',
  finishedAt: null,
  lastError: 'ZZZZ: VendorHttpError: HTTP 404: Data not found.',
};

describe('the bootstrap status contract (real Redis)', () => {
  it('reads back what the writer stored, and a newer write replaces it whole', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    await writeBootstrapStatus(r.redis, r.keys, running);
    expect(await readBootstrapStatus(r.redis, r.keys)).toEqual({ ok: true, status: running });
    const done: BootstrapStatus = { ...running, state: 'done', done: 12_000, etaSec: 0, lastError: null };
    await writeBootstrapStatus(r.redis, r.keys, done);
    expect(await readBootstrapStatus(r.redis, r.keys)).toEqual({ ok: true, status: done });
  });

  it('says "absent" before any write, and health shows that as idle', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    const read = await readBootstrapStatus(r.redis, r.keys);
    expect(read).toEqual({ ok: false, reason: 'absent' });
    expect(bootstrapHealth(read)).toMatchObject({ state: 'idle' });
  });

  it('reports a stored document that is not JSON or not a status as invalid, naming the bad field', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    await r.redis.set(r.keys.bootstrapStatus, '{"state":');
    expect(await readBootstrapStatus(r.redis, r.keys)).toEqual({
      ok: false,
      reason: 'invalid',
      detail: 'not JSON',
    });
    await r.redis.set(r.keys.bootstrapStatus, JSON.stringify({ ...running, done: -1 }));
    const read = await readBootstrapStatus(r.redis, r.keys);
    expect(read).toMatchObject({
      ok: false,
      reason: 'invalid',
      detail: expect.stringContaining('done') as string,
    });
    expect(bootstrapHealth(read)).toMatchObject({ state: 'unknown' });
  });

  it('refuses to write a status that breaks the contract', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    await expect(
      writeBootstrapStatus(r.redis, r.keys, { ...running, state: 'paused' as BootstrapStatus['state'] }),
    ).rejects.toThrow();
    expect(await r.redis.exists(r.keys.bootstrapStatus)).toBe(0);
  });
});
