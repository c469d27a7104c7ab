import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engine as plainEngine, historyDays, ny, snapshotRow } from '../../test/utils/market.js';
import { simulatedEngine } from '../../test/utils/sim-engine.js';
import { mulberry32 } from '../sim/random.js';
import { listRows } from './categories.js';
import type { ScanEngine } from './engine.js';
import { parseFilterList, type ScannerFilter } from './filters-schema.js';
import { scanKernel } from './kernel.js';
import { LIST_NAMES } from './lists.js';
import { compileScans } from './scan-compile.js';
import { parseScan, type ScanDefinition } from './scan-definition.js';
import { evaluateScans, mergeScanResults } from './scan-evaluate.js';
import { presetScans } from './scan-presets.js';
import { scanRows } from './scan-tops.js';
import { DEFAULT_SCAN_SETTINGS, type ListThresholds, type ScanSettings } from './settings.js';

/**
 * The proof that the presets are the lists: on many markets, at instants in every session, the 11 presets run
 * through the scan evaluator give exactly the rows (and keys, so the order) the kernel's list code gives.
 */

const MONDAY = '2026-03-02';
const SATURDAY = '2026-03-07';
/** New York times covering every session of a trading day, in order (the engine cannot go back in time). */
const TIMES = [
  '03:30',
  '04:10',
  '08:55',
  '09:31',
  '10:00',
  '12:47',
  '15:59',
  '16:01',
  '17:30',
  '19:58',
  '20:30',
];

/** Compares the kernel's 11 lists with the presets' at `ms`, also evaluated in shards; returns member count. */
function comparePresets(e: ScanEngine, settings: ScanSettings, ms: number, shards: number): number {
  const { clock, params } = e.prepare(ms);
  const cols = e.state.cols;
  const n = e.state.size;
  const kernel = scanKernel(cols, params, 0, n).lists;
  // Evaluated among 24 more scans on changePercent, so that the evaluator's short lists for that sort (and its
  // changePercent index, when 12 groups are left for the whole-range pass) are in play: the presets must come out
  // the same whatever else runs.
  const crowd = Array.from({ length: 24 }, (_, k): ScanDefinition => {
    const down = k % 2 === 1;
    return {
      id: `crowd${k}`,
      name: '',
      where: [[{ field: 'changePercent', op: down ? '<=' : '>=', value: (down ? -k : k) / 4 }]],
      sort: { field: 'changePercent', dir: down ? 'asc' : 'desc' },
      limit: 5 + k,
      sessions: [],
    };
  });
  const compiled = compileScans(
    [...presetScans(settings.thresholds, settings.listLimit), ...crowd],
    e.state.dictionary,
  );
  const single = evaluateScans(cols, compiled, 0, n, clock.session);
  const step = Math.ceil(n / shards);
  const merged = mergeScanResults(
    cols.symbolOrder,
    compiled,
    Array.from({ length: shards }, (_, s) =>
      evaluateScans(cols, compiled, s * step, Math.min(n, (s + 1) * step), clock.session),
    ),
  );
  let members = 0;
  LIST_NAMES.forEach((name, l) => {
    const want = Array.from(listRows(kernel, l));
    const wantKeys = Array.from(kernel.keys.subarray(kernel.offsets[l], kernel.offsets[l + 1]));
    const at = `${name} at ${new Date(ms).toISOString()} (${clock.session})`;
    expect(Array.from(scanRows(single, compiled.indexOf[l]!)), at).toEqual(want);
    expect(
      Array.from(
        single.keys.subarray(single.offsets[compiled.indexOf[l]!], single.offsets[compiled.indexOf[l]! + 1]),
      ),
      at,
    ).toEqual(wantKeys);
    expect(Array.from(scanRows(merged, compiled.indexOf[l]!)), `${at}, ${shards} shards`).toEqual(want);
    members += want.length;
  });
  return members;
}

function randomThresholds(rand: () => number): ListThresholds {
  const r = (lo: number, hi: number) => Math.round((lo + rand() * (hi - lo)) * 100) / 100;
  return {
    gapperPct: r(0, 4),
    momentumPct: r(0, 5),
    winnerPct: r(1, 8),
    anomalyRvol: r(0.5, 4),
    highVolumeRvol: r(0.2, 3),
    nearExtremePct: r(0, 2),
    reversalChangePct: r(-1, 3),
    reversalFromOpenPct: r(-1, 2),
  };
}

function randomFilters(rand: () => number, sectors: readonly string[]): ScannerFilter[] {
  const filters: unknown[] = [
    { id: 1, name: 'Price', parameters: { minPrice: [0.5, 1, 2, 5][Math.floor(rand() * 4)] } },
  ];
  if (rand() < 0.5)
    filters.push({
      id: 2,
      name: 'Sectors',
      sessions: rand() < 0.5 ? [] : ['MARKET_OPEN'],
      parameters: { sectors: sectors.filter(() => rand() < 0.6), excludeEtf: rand() < 0.5 },
    });
  if (rand() < 0.3) filters.push({ id: 3, name: 'Off', enabled: false, parameters: { minVolume: 1e12 } });
  return parseFilterList(filters);
}

describe('the 11 lists as presets in the scan language (SPEC §5, §13)', () => {
  it('are valid scans under the one scan schema, with the configured thresholds and limit', () => {
    for (const preset of presetScans(DEFAULT_SCAN_SETTINGS.thresholds, DEFAULT_SCAN_SETTINGS.listLimit))
      expect(parseScan(JSON.parse(JSON.stringify(preset)))).toEqual(preset);
    const tuned = presetScans({ ...DEFAULT_SCAN_SETTINGS.thresholds, gapperPct: 7 }, 35);
    expect(tuned[0]).toMatchObject({ id: 'gappers_up', limit: 35, where: [[{ value: 7 }]] });
    expect(tuned.map((p) => p.id)).toEqual([...LIST_NAMES]);
  });

  it('give exactly the kernel lists on simulated markets, in every session, with random filters and thresholds', () => {
    let members = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const rand = mulberry32(seed * 7919);
      const probe = simulatedEngine({ seed, tickers: 10, day: MONDAY });
      const sectors = [
        ...new Set(
          probe.sim
            .metadata()
            .map((m) => m.sector)
            .filter((s) => s !== null),
        ),
      ];
      const settings: Partial<ScanSettings> =
        seed % 2 === 1 ? {} : { thresholds: randomThresholds(rand), listLimit: 1 + Math.floor(rand() * 60) };
      const day = seed === 8 ? SATURDAY : MONDAY;
      const m = simulatedEngine({
        seed,
        tickers: 300 + seed * 150,
        day,
        filters: randomFilters(rand, sectors),
        settings,
      });
      for (const time of TIMES) {
        const ms = ny(time, day);
        m.snapshot(ms);
        members += comparePresets(m.engine, m.settings, ms, 1 + Math.floor(rand() * 5));
      }
    }
    expect(members).toBeGreaterThan(1000); // the comparison is not of empty lists
  }, 120_000);

  it('give exactly the kernel lists on markets full of ties, where the symbol order decides', () => {
    const cents = (max: number) => fc.integer({ min: 1, max }).map((c) => c / 100);
    const market = fc.uniqueArray(
      fc.record({
        symbol: fc.stringMatching(/^[A-Z]{1,4}$/),
        price: fc.oneof(cents(10_000), fc.constantFrom(10, 10.5, 11, 9, 9.5)),
        prevClose: fc.oneof(cents(10_000), fc.constant(10)),
        open: fc.oneof(cents(10_000), fc.constantFrom(0, 10)),
        high: fc.constantFrom(0, 11, 10.5, 1000),
        low: fc.constantFrom(0, 9, 9.5, 0.01),
        volume: fc.constantFrom(0, 100, 5_000, 50_000),
      }),
      { selector: (r) => r.symbol, minLength: 1, maxLength: 200 },
    );
    fc.assert(
      fc.property(
        market,
        fc.constantFrom('09:00', '10:00', '17:00'),
        fc.integer({ min: 1, max: 25 }),
        (rows, time, listLimit) => {
          const e = plainEngine({
            settings: { listLimit },
            history: rows
              .slice(0, 80)
              .flatMap((r) => historyDays(r.symbol, ['2026-02-27'], (s) => 100 * (s + 1))),
          });
          e.applySnapshot(
            ny('08:00'),
            rows.map((r) => snapshotRow(r.symbol, { ...r, volume: r.volume / 2 })),
          );
          e.applySnapshot(
            ny(time),
            rows.map((r) => snapshotRow(r.symbol, r)),
          );
          comparePresets(e, { ...DEFAULT_SCAN_SETTINGS, listLimit }, ny(time), 3);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
