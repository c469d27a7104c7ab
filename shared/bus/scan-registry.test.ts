import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import { parseScan, type ScanDefinitionInput } from '../scan/scan-definition.js';
import {
  loadActiveScans,
  putScan,
  refreshLease,
  removeOwner,
  removeScan,
  ScanRegistryReader,
} from './scan-registry.js';

const scan = (id: string, min: number, extra: Partial<ScanDefinitionInput> = {}) =>
  parseScan({
    id,
    where: [[{ field: 'changePercent', op: '>=', value: min }]],
    sort: { field: 'changePercent', dir: 'desc' },
    ...extra,
  });

function fresh() {
  const r = freshRedis();
  onCleanup(() => r.cleanup());
  return r;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the scan registry (real Redis)', () => {
  it('reads back what owners put, one entry per distinct definition, as scan:s + 12 hex', async () => {
    const { redis, keys } = fresh();
    const a = await putScan(redis, keys, 'gw1:c1', scan('mine', 5), { addedAt: 1 });
    // Another client's identical definition (other id and name, conditions reordered) is the same list.
    const b = await putScan(redis, keys, 'gw2:c9', scan('theirs', 5, { name: 'x' }), { addedAt: 2 });
    const c = await putScan(redis, keys, 'saved', scan('big', 10), { addedAt: 3 });
    expect(a).toMatch(/^scan:s[0-9a-f]{12}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const active = await loadActiveScans(redis, keys, 100);
    expect(active.scans.map((s) => s.list)).toEqual([a, c]);
    expect(active.scans[0]!.definition.id).toBe('mine');
    expect(active).toMatchObject({ registered: 3, invalid: 0, overCap: 0 });
  });

  it("drops a dead owner's scans once its lease expires, and keeps an owner without a lease", async () => {
    const { redis, keys } = fresh();
    await putScan(redis, keys, 'gw-dead', scan('a', 1), { leaseMs: 800 });
    await putScan(redis, keys, 'gw-alive', scan('b', 2), { leaseMs: 800 });
    await putScan(redis, keys, 'saved', scan('c', 3));
    for (let i = 0; i < 4; i++) {
      await sleep(300);
      expect(await refreshLease(redis, keys, 'gw-alive', 800)).toBe(true);
    }
    const active = await loadActiveScans(redis, keys, 100);
    expect(active.scans.map((s) => s.definition.id)).toEqual(['b', 'c']);
    // The dead owner is forgotten; refreshing a lapsed lease says so (the writer must put its scans again).
    expect(await redis.smembers(keys.scansOwners)).not.toContain('gw-dead');
    expect(await refreshLease(redis, keys, 'gw-dead', 800)).toBe(false);
    expect(await redis.ttl(keys.scansOwner('saved'))).toBe(-1);
  });

  it('lists an owner again at its next lease refresh if a racing reader dropped it', async () => {
    const { redis, keys } = fresh();
    await putScan(redis, keys, 'gw', scan('a', 1), { leaseMs: 60_000 });
    // A reader that found the hash empty just before the put removes the owner after it.
    await redis.srem(keys.scansOwners, 'gw');
    expect((await loadActiveScans(redis, keys, 100)).scans).toHaveLength(0);
    expect(await refreshLease(redis, keys, 'gw', 60_000)).toBe(true);
    expect((await loadActiveScans(redis, keys, 100)).scans.map((s) => s.definition.id)).toEqual(['a']);
  });

  it('removes one scan or a whole owner', async () => {
    const { redis, keys } = fresh();
    await putScan(redis, keys, 'o', scan('a', 1), { addedAt: 1 });
    await putScan(redis, keys, 'o', scan('b', 2), { addedAt: 2 });
    await putScan(redis, keys, 'p', scan('c', 3), { addedAt: 3 });
    expect(await removeScan(redis, keys, 'o', 'a')).toBe(true);
    expect(await removeScan(redis, keys, 'o', 'a')).toBe(false);
    expect((await loadActiveScans(redis, keys, 100)).scans.map((s) => s.definition.id)).toEqual(['b', 'c']);
    await removeOwner(redis, keys, 'o');
    expect((await loadActiveScans(redis, keys, 100)).scans.map((s) => s.definition.id)).toEqual(['c']);
  });

  it('skips and counts an invalid stored definition, logging it once, and reads the rest', async () => {
    const { redis, keys } = fresh();
    await putScan(redis, keys, 'o', scan('good', 1));
    await redis.sadd(keys.scansOwners, 'bad');
    await redis.hset(keys.scansOwner('bad'), {
      typo: JSON.stringify({
        scan: { ...scan('typo', 1), sort: { field: 'chnage', dir: 'desc' } },
        addedAt: 0,
      }),
      junk: '{not json',
    });
    const logged: unknown[] = [];
    const logger = { error: (o: unknown) => logged.push(o), warn: () => {} } as never;
    const reader = new ScanRegistryReader(redis, keys, { max: 100, reloadMs: 0, logger });
    const first = await reader.poll();
    expect(first?.scans.map((s) => s.definition.id)).toEqual(['good']);
    expect(first).toMatchObject({ registered: 3, invalid: 2 });
    await reader.poll();
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(logged)).toContain('unknown field');
  });

  it('evaluates at most SCANS_MAX distinct definitions, skipping the newest', async () => {
    const { redis, keys } = fresh();
    for (let i = 0; i < 5; i++) await putScan(redis, keys, `o${i}`, scan(`s${i}`, i), { addedAt: 100 - i });
    await putScan(redis, keys, 'dup', scan('same-as-s4', 4), { addedAt: 200 });
    const active = await loadActiveScans(redis, keys, 3);
    expect(active.scans.map((s) => s.definition.id)).toEqual(['s4', 's3', 's2']);
    expect(active).toMatchObject({ registered: 6, overCap: 2 });
  });

  it('costs one GET per poll until the version moves, and reports only changes of the distinct set', async () => {
    const { redis, keys } = fresh();
    let now = 0;
    const reader = new ScanRegistryReader(redis, keys, { max: 100, reloadMs: 5_000, now: () => now });
    expect(await reader.poll()).not.toBeNull(); // the first load (empty)
    expect(await reader.poll()).toBeNull();
    await putScan(redis, keys, 'o', scan('a', 1));
    expect((await reader.poll())?.scans).toHaveLength(1);
    // The same definition under another owner: the version moved, the distinct set did not.
    await putScan(redis, keys, 'p', scan('b', 1));
    expect(await reader.poll()).toBeNull();
    expect(reader.current.registered).toBe(2);
    // An expired lease moves no version: the periodic reload sees it.
    await putScan(redis, keys, 'q', scan('c', 2), { leaseMs: 50 });
    expect((await reader.poll())?.scans).toHaveLength(2);
    await sleep(120);
    expect(await reader.poll()).toBeNull();
    now += 5_000;
    expect((await reader.poll())?.scans).toHaveLength(1);
  });
});
