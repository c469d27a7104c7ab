import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabaseUrl, withFreshSchema } from '../../test/utils/db.js';
import { closeDb, createDb, type Db, upsertVolumeSlots } from './database.js';
import { loadVolumeHistory, streamVolumeHistoryDays } from './volume-history.js';
import type { VolumeSlotRow } from './types.js';

const schema = withFreshSchema();
let db: Db;

beforeAll(() => {
  db = createDb(testDatabaseUrl, { schema: schema.name });
});
afterAll(async () => {
  await closeDb(db);
});

const bySlotKey = (a: VolumeSlotRow, b: VolumeSlotRow) =>
  a.symbol.localeCompare(b.symbol) || a.date.localeCompare(b.date) || a.slot - b.slot;

describe('volume_slots', () => {
  beforeEach(async () => {
    await db.none('TRUNCATE volume_slots');
  });

  const slot = (symbol: string, date: string, s: number, cumVolume = 1000 * (s + 1)): VolumeSlotRow => ({
    symbol,
    date,
    slot: s,
    cumVolume,
  });

  /** AAA trades every day; BBB has gaps and single-row days; CCC only the cut-off date; DDD one row. */
  const sampleHistory = (): VolumeSlotRow[] => [
    // AAA trades every day; rows on and after the cut-off date must not count.
    ...[
      '2026-02-24',
      '2026-02-25',
      '2026-02-26',
      '2026-02-27',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
    ].flatMap((d) => [slot('AAA', d, 0), slot('AAA', d, 1), slot('AAA', d, 191)]),
    // BBB has gaps, and two of its dates hold a single row each: they still count as whole days.
    slot('BBB', '2026-01-05', 10),
    slot('BBB', '2026-02-10', 0),
    slot('BBB', '2026-02-10', 5),
    slot('BBB', '2026-02-27', 100),
    // CCC only has rows on the cut-off date: no history.
    slot('CCC', '2026-03-03', 0),
    // DDD: one row in all.
    slot('DDD', '2025-12-31', 42, 7.5),
  ];

  it('loadVolumeHistory returns exactly the N most recent dates strictly before the date per symbol', async () => {
    const rows = sampleHistory();
    await upsertVolumeSlots(db, rows, 'replace');

    const history = await loadVolumeHistory(db, '2026-03-03', 3);
    expect(history).toEqual([
      ...['2026-02-26', '2026-02-27', '2026-03-02'].flatMap((d) => [
        slot('AAA', d, 0),
        slot('AAA', d, 1),
        slot('AAA', d, 191),
      ]),
      slot('BBB', '2026-01-05', 10),
      slot('BBB', '2026-02-10', 0),
      slot('BBB', '2026-02-10', 5),
      slot('BBB', '2026-02-27', 100),
      slot('DDD', '2025-12-31', 42, 7.5),
    ]);

    expect((await loadVolumeHistory(db, '2026-03-03', 1)).map((r) => `${r.symbol} ${r.date}`)).toEqual([
      'AAA 2026-03-02',
      'AAA 2026-03-02',
      'AAA 2026-03-02',
      'BBB 2026-02-27',
      'DDD 2025-12-31',
    ]);
    expect(await loadVolumeHistory(db, '2025-12-31', 5)).toEqual([]);
    await expect(loadVolumeHistory(db, '2026-3-3', 5)).rejects.toBeInstanceOf(RangeError);
    await expect(loadVolumeHistory(db, '2026-03-03', 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('streamVolumeHistoryDays yields the same lookback as whole days, a few symbols per query', async () => {
    await upsertVolumeSlots(db, sampleHistory(), 'replace');
    const slots = await loadVolumeHistory(db, '2026-03-03', 3);
    const days = [];
    for await (const d of streamVolumeHistoryDays(db, '2026-03-03', 3, 2)) days.push(d);
    expect(days.map((d) => `${d.symbol} ${d.date}`)).toEqual([
      ...new Set(slots.map((r) => `${r.symbol} ${r.date}`)),
    ]);
    expect(days.length).toBeGreaterThan(2);
    for (const d of days) {
      const expected = new Float64Array(192).fill(NaN);
      for (const r of slots) if (r.symbol === d.symbol && r.date === d.date) expected[r.slot] = r.cumVolume;
      expect(Array.from(d.volumes)).toEqual(Array.from(expected));
    }
  });

  // The definition of the lookback as the brief states it; loadVolumeHistory must return exactly this.
  const windowFunctionOracle = (before: string, n: number) =>
    db.any<VolumeSlotRow>(
      `SELECT symbol, date, slot, cum_volume AS "cumVolume"
         FROM (SELECT *, dense_rank() OVER (PARTITION BY symbol ORDER BY date DESC) AS day_rank
                 FROM volume_slots WHERE date < $1::date) ranked
        WHERE day_rank <= $2
        ORDER BY symbol, date, slot`,
      [before, n],
    );

  it('loadVolumeHistory equals the dense_rank definition and a direct computation on random histories', async () => {
    const symbols = ['A', 'B', 'C'];
    const dates = Array.from({ length: 12 }, (_, i) => `2026-02-${String(i + 10).padStart(2, '0')}`);
    const rowArb = fc.record({
      symbol: fc.constantFrom(...symbols),
      date: fc.constantFrom(...dates),
      slot: fc.integer({ min: 0, max: 191 }),
      cumVolume: fc.integer({ min: 0, max: 1e9 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { maxLength: 60 }),
        fc.constantFrom(...dates),
        fc.integer({ min: 1, max: 6 }),
        async (rows, before, n) => {
          await db.none('TRUNCATE volume_slots');
          await upsertVolumeSlots(db, rows, 'replace');
          const stored = new Map(rows.map((r) => [`${r.symbol} ${r.date} ${r.slot}`, r]));
          const expected = [...stored.values()]
            .filter((r) => {
              const recent = [
                ...new Set(
                  [...stored.values()]
                    .filter((x) => x.symbol === r.symbol && x.date < before)
                    .map((x) => x.date),
                ),
              ]
                .sort()
                .reverse()
                .slice(0, n);
              return recent.includes(r.date);
            })
            .sort(bySlotKey);
          const actual = await loadVolumeHistory(db, before, n);
          expect(actual).toEqual(expected);
          expect(actual).toEqual(await windowFunctionOracle(before, n));
        },
      ),
      { numRuns: 40 },
    );
  });

  const allSlots = () =>
    db.any<VolumeSlotRow>(
      'SELECT symbol, date, slot, cum_volume AS "cumVolume" FROM volume_slots ORDER BY symbol, date, slot',
    );

  it('upsertVolumeSlots replacing is idempotent and a changed value replaces the stored one', async () => {
    const rows = [slot('AAA', '2026-03-02', 0), slot('AAA', '2026-03-02', 1), slot('BBB', '2026-03-02', 0)];
    expect(await upsertVolumeSlots(db, rows, 'replace')).toBe(3);
    expect(await upsertVolumeSlots(db, rows, 'replace')).toBe(0);
    expect(await allSlots()).toEqual(rows);

    // A repeated key in one batch keeps its last value (DO UPDATE would otherwise refuse the batch).
    expect(
      await upsertVolumeSlots(
        db,
        [slot('AAA', '2026-03-02', 1, 5), slot('AAA', '2026-03-02', 1, 6)],
        'replace',
      ),
    ).toBe(1);
    expect(await allSlots()).toEqual([rows[0], slot('AAA', '2026-03-02', 1, 6), rows[2]]);
    // A backfill correcting a value downwards wins.
    expect(await upsertVolumeSlots(db, [slot('AAA', '2026-03-02', 1, 2)], 'replace')).toBe(1);
    expect((await allSlots())[1]).toEqual(slot('AAA', '2026-03-02', 1, 2));
  });

  it('upsertVolumeSlots keeping the greater never lowers a stored cumulative volume (a retried old write)', async () => {
    const newer = [slot('AAA', '2026-03-02', 7, 5_000), slot('BBB', '2026-03-02', 7, 300)];
    expect(await upsertVolumeSlots(db, newer, 'greater')).toBe(2);
    // The older job of the same slots, retried after the newer one landed: smaller values, nothing written.
    const older = [slot('AAA', '2026-03-02', 7, 4_200), slot('BBB', '2026-03-02', 7, 300)];
    expect(await upsertVolumeSlots(db, older, 'greater')).toBe(0);
    expect(await allSlots()).toEqual(newer);
    // A greater value still raises it, and a new slot is inserted.
    const later = [slot('AAA', '2026-03-02', 7, 5_100), slot('AAA', '2026-03-02', 8, 5_150)];
    expect(await upsertVolumeSlots(db, later, 'greater')).toBe(2);
    expect(await allSlots()).toEqual([...later, newer[1]]);
    // A key repeated in one batch keeps its greatest value, wherever it is in the batch.
    const repeated = [slot('CCC', '2026-03-02', 0, 9), slot('CCC', '2026-03-02', 0, 4)];
    expect(await upsertVolumeSlots(db, repeated, 'greater')).toBe(1);
    expect((await allSlots()).at(-1)).toEqual(slot('CCC', '2026-03-02', 0, 9));
  });

  it('upsertVolumeSlots keeping the greater ends at the greatest value whatever order the writes land in', async () => {
    // Every order of a slot's successive live values (jobs retried out of order) leaves the last, greatest one.
    const values = [100, 250, 250, 400, 900];
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(values, { minLength: values.length }), async (order) => {
        await db.none('TRUNCATE volume_slots');
        for (const v of order) await upsertVolumeSlots(db, [slot('AAA', '2026-03-02', 3, v)], 'greater');
        expect(await allSlots()).toEqual([slot('AAA', '2026-03-02', 3, 900)]);
      }),
      { numRuns: 20 },
    );
  });
});
