import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ListMessage } from '../protocol/messages.js';
import { LIST_NAMES } from '../scan/lists.js';
import { presetScans } from '../scan/scan-presets.js';
import { DEFAULT_SCAN_SETTINGS } from '../scan/settings.js';
import { ReplayInputError } from './errors.js';
import { parseFiltersJson, parseHistoryCsv, parseMetadataJson } from './inputs.js';
import { runReplay } from './replay.js';
import { parseScansJson } from './scans-input.js';

const samples = path.resolve(import.meta.dirname, '../../samples');
const read = (f: string) => readFileSync(path.join(samples, f), 'utf8');
const day = read('day.ndjson').split('\n');
const inputs = {
  history: parseHistoryCsv(read('history.csv')),
  metadata: parseMetadataJson(read('metadata.json')),
  filters: parseFiltersJson(read('filters.json')),
};

const SCANS_FILE = JSON.stringify(
  [
    {
      id: 'big-movers',
      where: [
        [{ field: 'changePercent', op: '>=', value: 1 }],
        [{ field: 'changePercent', op: '<=', value: -1 }],
      ],
      sort: { field: 'changePercent', dir: 'desc', abs: true },
      limit: 10,
    },
    // The same definition under another id: a second list with the same messages.
    {
      id: 'big-movers-too',
      name: 'again',
      where: [
        [{ field: 'changePercent', op: '<=', value: -1 }],
        [{ field: 'changePercent', op: '>=', value: 1 }],
      ],
      sort: { field: 'changePercent', dir: 'desc', abs: true },
      limit: 10,
    },
    { id: 'dollar-volume', sort: { field: 'dollarVolume', dir: 'desc' }, limit: 5 },
    ...presetScans(DEFAULT_SCAN_SETTINGS.thresholds, DEFAULT_SCAN_SETTINGS.listLimit),
  ],
  null,
  1,
);

async function replay(scansText: string): Promise<string[]> {
  const out: string[] = [];
  await runReplay({ lines: day, ...inputs, scans: parseScansJson(scansText), write: (l) => out.push(l) });
  return out;
}

describe('replay --scans (SPEC §10)', () => {
  it("publishes each scan as scan:<its id> after the 11 lists, in file order, byte-identical on two runs, and the presets as the lists' own messages", async () => {
    const a = await replay(SCANS_FILE);
    const b = await replay(SCANS_FILE);
    expect(a.join('\n')).toBe(b.join('\n'));
    // The list messages (each scan's alert lines follow them: replay.test.ts).
    const messages = a
      .map((l) => JSON.parse(l) as Omit<ListMessage, 'list' | 'type'> & { list: string; type: string })
      .filter((m) => m.type !== 'alert');
    const order = [...LIST_NAMES, ...parseScansJson(SCANS_FILE).map((s) => `scan:${s.id}`)];
    // Within each scan (same ts), lists appear in publication order: the 11, then the file's scans.
    for (let k = 1; k < messages.length; k++) {
      if (messages[k]!.ts !== messages[k - 1]!.ts) continue;
      expect(order.indexOf(messages[k]!.list)).toBeGreaterThan(order.indexOf(messages[k - 1]!.list));
    }
    const of = (list: string) => messages.filter((m) => m.list === list);
    expect(of('scan:big-movers').length).toBeGreaterThan(5);
    expect(of('scan:big-movers')[0]).toMatchObject({ type: 'snapshot', seq: 1, epoch: 'replay' });
    expect(of('scan:big-movers-too').map((m) => ({ ...m, list: 'scan:big-movers' }))).toEqual(
      of('scan:big-movers'),
    );
    for (const list of LIST_NAMES)
      expect(
        of(`scan:${list}`).map((m) => ({ ...m, list })),
        list,
      ).toEqual(of(list));
  }, 120_000);

  it('stops on a bad scans file naming the scan index, its line and the reason', () => {
    const bad = JSON.stringify(
      [
        { id: 'ok', sort: { field: 'price', dir: 'desc' } },
        {
          id: 'typo',
          where: [[{ field: 'chnage5m', op: '>=', value: 1 }]],
          sort: { field: 'price', dir: 'asc' },
        },
      ],
      null,
      1,
    );
    expect(() => parseScansJson(bad, 'scans.json')).toThrow(ReplayInputError);
    expect(() => parseScansJson(bad, 'scans.json')).toThrow(
      /^scans\.json line 9: scan 1: where\[0\]\[0\]\.field: unknown field "chnage5m"$/,
    );
    const dup = JSON.stringify([
      { id: 'a', sort: { field: 'price', dir: 'desc' } },
      { id: 'a', sort: { field: 'price', dir: 'asc' } },
    ]);
    expect(() => parseScansJson(dup, 'scans.json')).toThrow(/scan 1: id: duplicate scan id "a"/);
    expect(() => parseScansJson('{}', 'scans.json')).toThrow(/expected a JSON array of scans/);
  });
});
