import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../test/utils/cleanup.js';
import { freshRedis } from '../../test/utils/redis.js';
import { scanRow } from '../../test/utils/scan-row.js';
import { atRanks } from '../scan/deltas.js';
import { putScanListSnapshot, readScanListSnapshots, RowJson } from './scan-list-snapshots.js';

describe('scan list snapshots in the snapshots hash (SPEC §13, real Redis)', () => {
  it('writes exactly JSON.stringify of the snapshot, rows ranked by position, when rows are shared by several lists', async () => {
    const r = freshRedis();
    onCleanup(r.cleanup);
    // Rows as the sequencer holds them: one object per ticker shared by the lists, whose rank fields are stale.
    const shared = [
      scanRow('AAA', 7, { companyName: 'A "quoted", name', sector: 'Technology', price: 12.5 }),
      scanRow('B.C', 1, { filtersMatched: ['gappers', 'low float'] }),
      scanRow('DDD', 120, { scoreRank: 120, changePercent: null }),
    ];
    const lists = {
      'scan:s000000000001': [shared[0]!, shared[1]!, shared[2]!],
      'scan:s000000000002': [shared[2]!, shared[0]!],
      'scan:s000000000003': [],
    } as const;
    const ts = '2026-03-02T14:45:01.123Z';
    const multi = r.redis.multi();
    const rowJson = new RowJson();
    for (const [list, rows] of Object.entries(lists))
      putScanListSnapshot(
        multi,
        r.keys,
        list as `scan:${string}`,
        { epoch: 'e-1', seq: 42, rows },
        ts,
        rowJson,
      );
    await multi.exec();

    for (const [list, rows] of Object.entries(lists)) {
      const expected = {
        type: 'snapshot',
        list,
        epoch: 'e-1',
        seq: 42,
        prevSeq: 41,
        ts,
        rows: atRanks(rows),
      };
      expect(await r.redis.hget(r.keys.listSnapshots, list), list).toBe(JSON.stringify(expected));
    }
    const read = await readScanListSnapshots(r.redis, r.keys, ['scan:s000000000002']);
    expect(read.get('scan:s000000000002')!.rows.map((row) => [row.symbol, row.rank])).toEqual([
      ['DDD', 1],
      ['AAA', 2],
    ]);
  });
});
