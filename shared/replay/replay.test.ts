import { describe, expect, it } from 'vitest';
import { ny } from '../../test/utils/market.js';
import type { ListMessage, ScanLine } from '../protocol/messages.js';
import { ReplayInputError } from './errors.js';
import { parseFiltersJson, parseHistoryCsv, parseMetadataJson } from './inputs.js';
import { runReplay } from './replay.js';

const iso = (time: string) => new Date(ny(time)).toISOString();
const ticker = (t: string, p: number, prev: number, v: number) => ({
  ticker: t,
  day: { o: 0, h: p, l: p, c: p, v, vw: p },
  prevDay: { o: prev, h: prev, l: prev, c: prev, v: 1000, vw: prev },
  lastTrade: { c: null, i: '1', p, s: 100, t: ny('09:00') * 1e6, x: 4 },
});
const snapshotLine = (time: string, tickers: object[]) =>
  JSON.stringify({ at: iso(time), snapshot: { status: 'OK', count: tickers.length, tickers } });
const aggLine = (time: string, sym: string, c: number, av: number) =>
  JSON.stringify({
    at: iso(time),
    aggregates: [
      {
        ev: 'A',
        sym,
        v: 100,
        av,
        op: 0,
        vw: c,
        o: c,
        c,
        h: c,
        l: c,
        a: c,
        z: 10,
        s: ny(time) - 1000,
        e: ny(time),
      },
    ],
  });

const RECORDING = [
  snapshotLine('08:00', [
    ticker('AAA', 11, 10, 5000),
    ticker('BBB', 9, 10, 3000),
    ticker('CCC', 20, 20, 100),
  ]),
  aggLine('08:00:01', 'AAA', 11.5, 6000),
  snapshotLine('08:05', [ticker('AAA', 12, 10, 9000), ticker('BBB', 9.5, 10, 3500)]),
];

async function replay(lines: string[], extra: Partial<Parameters<typeof runReplay>[0]> = {}) {
  const out: string[] = [];
  const summary = await runReplay({ lines, file: 'day.ndjson', write: (l) => out.push(l), ...extra });
  return { out, summary };
}

describe('replay (SPEC §10)', () => {
  it('writes the messages of every scan in publication order with ts = at and epoch "replay"', async () => {
    const { out, summary } = await replay(RECORDING);
    const msgs = out.map((l) => JSON.parse(l) as ListMessage);
    expect(summary).toMatchObject({ events: 3, scans: 3 });
    expect(
      msgs
        .slice(0, 11)
        .every((m) => m.type === 'snapshot' && m.seq === 1 && m.ts === iso('08:00') && m.epoch === 'replay'),
    ).toBe(true);
    expect(msgs.find((m) => m.list === 'gappers_up')).toMatchObject({
      rows: [{ symbol: 'AAA', changePercent: 10 }],
    });
    const later = msgs.slice(11);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((m) => m.type === 'delta')).toBe(true);
    expect(later.find((m) => m.list === 'gappers_up' && m.ts === iso('08:00:01'))).toMatchObject({
      deltas: [{ action: 'update', symbol: 'AAA', fields: { price: 11.5 } }],
    });
  });

  it('writes ts exactly as the line wrote its at, whatever the ISO form', async () => {
    const at = ['2026-03-02T13:00:00Z', '2026-03-02T08:00:30-05:00', '2026-03-02T13:01:00.5Z'];
    const tickers = [ticker('AAA', 11, 10, 5000)];
    const lines = at.map((a, i) =>
      i === 1
        ? JSON.stringify({
            at: a,
            aggregates: (JSON.parse(aggLine('08:00:30', 'AAA', 11.5, 6000)) as { aggregates: unknown[] })
              .aggregates,
          })
        : JSON.stringify({ at: a, snapshot: { status: 'OK', count: 1, tickers } }),
    );
    const { out } = await replay(lines, { rows: true });
    const msgs = out.map((l) => JSON.parse(l) as { type: string; ts: string });
    expect(msgs.filter((m) => m.type === 'scan').map((m) => m.ts)).toEqual(at);
    expect([...new Set(msgs.filter((m) => m.type !== 'scan').map((m) => m.ts))]).toEqual(at);
  });

  it('gives byte-identical output on two runs', async () => {
    const a = await replay(RECORDING, { rows: true });
    const b = await replay(RECORDING, { rows: true });
    expect(a.out.join('\n')).toBe(b.out.join('\n'));
  });

  it('adds one scan line per scan with every ranked row when asked for rows', async () => {
    const { out } = await replay(RECORDING, { rows: true });
    const scans = out.map((l) => JSON.parse(l) as ListMessage | ScanLine).filter((m) => m.type === 'scan');
    expect(scans).toHaveLength(3);
    expect(scans[0]).toMatchObject({ ts: iso('08:00'), session: 'PRE_MARKET' });
    expect(scans[0]!.rows.map((r) => [r.symbol, r.rank === r.scoreRank])).toEqual([
      ['AAA', true],
      ['BBB', true],
      ['CCC', true],
    ]);
    // No --history and no --metadata: every row says so (SPEC §12).
    expect(scans[0]!.rows.map((r) => [r.rvolState, r.hasMetadata])).toEqual([
      ['warming', false],
      ['warming', false],
      ['warming', false],
    ]);
  });

  it('carries the short-window fields in scan lines: AAA at 08:05 against its 08:00 snapshot', async () => {
    const { out } = await replay(RECORDING, { rows: true });
    const scans = out.map((l) => JSON.parse(l) as ListMessage | ScanLine).filter((m) => m.type === 'scan');
    expect(scans[2]!.rows.find((r) => r.symbol === 'AAA')).toMatchObject({
      price: 12,
      // t − 1 min = 08:04: the latest observation before it (the 08:00:01 bar) is older than 08:03.
      change1m: null,
      change5m: 100 / 11, // (12 − 11) / 11 × 100
      change15m: null,
      volume5m: 4000, // 9000 − 5000
      rangePosition: 100, // high 12, low 11
      vwap: 12,
      priceFromVwap: 0,
      spreadPercent: null,
    });
  });

  it.each([
    ['a malformed line', '{"at": "2026-03-02T13:05:00Z", "snapshot": ', /day\.ndjson line 2: not JSON/],
    [
      'an unknown event kind',
      JSON.stringify({ at: iso('08:01'), trades: [] }),
      /line 2: expected \{"at", "snapshot"\}/,
    ],
    [
      'a field of the wrong type',
      snapshotLine('08:01', [
        { ...ticker('AAA', 1, 1, 1), day: { o: 0, h: 1, l: 1, c: 'abc', v: 1, vw: 1 } },
      ]),
      /line 2: tickers\[0\] \(AAA\): day\.c/,
    ],
    [
      'an "at" earlier than the previous line',
      snapshotLine('07:59', []),
      /line 2: "at" .* is before the previous line/,
    ],
    [
      'an "at" that is not an instant',
      JSON.stringify({ at: 'yesterday', snapshot: { status: 'OK', tickers: [] } }),
      /line 2: .*at/,
    ],
  ])('stops at %s with a message naming the line', async (_what, bad, message) => {
    const lines = [RECORDING[0]!, bad, RECORDING[2]!];
    await expect(replay(lines)).rejects.toThrow(ReplayInputError);
    await expect(replay(lines)).rejects.toThrow(message);
  });

  it('counts and reports bad lines and rows with --skip-bad, and processes the rest', async () => {
    const lines = [
      RECORDING[0]!,
      'not json',
      snapshotLine('08:01', [{ ...ticker('AAA', 1, 1, 1), day: { c: 'x' } }, ticker('BBB', 8, 10, 10)]),
      RECORDING[2]!,
    ];
    const { summary } = await replay(lines, { skipBad: true });
    expect(summary.events).toBe(3);
    expect(summary.skipped).toEqual([
      expect.stringMatching(/^day\.ndjson line 2: not JSON/),
      expect.stringMatching(/^day\.ndjson line 3: tickers\[0\] \(AAA\): day\.o: .*expected number/),
    ]);
  });
});

describe('replay side inputs', () => {
  it('reads history CSV and names the line of a bad row', () => {
    expect(parseHistoryCsv('symbol,date,slot,cum_volume\nAAA,2026-02-27,0,100\n\n')).toEqual([
      { symbol: 'AAA', date: '2026-02-27', slot: 0, cumVolume: 100 },
    ]);
    expect(() =>
      parseHistoryCsv('symbol,date,slot,cum_volume\nAAA,2026-02-27,0,100\nAAA,2026-02-27,192,5', 'h.csv'),
    ).toThrow(/h\.csv line 3: slot must be an integer 0\.\.191/);
    expect(() => parseHistoryCsv('sym,date\n', 'h.csv')).toThrow(/h\.csv line 1: expected the header/);
    expect(() => parseHistoryCsv('symbol,date,slot,cum_volume\nAAA,2026-13-45,0,1', 'h.csv')).toThrow(
      /line 2: bad date/,
    );
    expect(() => parseHistoryCsv('symbol,date,slot,cum_volume\nAAA,2026-02-27,0,-1', 'h.csv')).toThrow(
      /line 2: cum_volume/,
    );
  });

  it('reads metadata JSON with absent fields as null and names the line of a bad element', () => {
    expect(parseMetadataJson('[{"symbol":"AAA","marketCap":5}]')[0]).toMatchObject({
      symbol: 'AAA',
      marketCap: 5,
      sector: null,
      isEtf: null,
    });
    expect(() =>
      parseMetadataJson('[\n{"symbol":"AAA"},\n{"symbol":"BBB","marketCap":"big"}\n]', 'm.json'),
    ).toThrow(/m\.json line 3: element 1: marketCap/);
    expect(() => parseMetadataJson('{"symbol":"AAA"}', 'm.json')).toThrow(/expected a JSON array/);
  });

  it('reads filters JSON through the filter schema and names the line of a bad filter', () => {
    expect(parseFiltersJson('[{"id":1,"name":"a","parameters":{"minPrice":0}}]')[0]?.parameters).toEqual({
      minPrice: 0,
    });
    expect(() =>
      parseFiltersJson(
        '[\n  {"id":1,"name":"a"},\n  {"id":2,"name":"b","parameters":{"minPirce":1}}\n]',
        'f.json',
      ),
    ).toThrow(/f\.json line 3: .*minPirce/);
  });

  it('rejects a filters file whose filter has a min bound above its max bound, naming the line and both', () => {
    const json =
      '[\n  {"id":1,"name":"a"},\n  {"id":2,"name":"b","parameters":{"minVolume":500,"maxVolume":100}}\n]';
    expect(() => parseFiltersJson(json, 'f.json')).toThrow(
      /f\.json line 3: 1\.parameters\.minVolume: minVolume 500 is above maxVolume 100/,
    );
    const skipped: string[] = [];
    const kept = parseFiltersJson(json, 'f.json', (e) => skipped.push(e.message));
    expect(kept.map((f) => f.name)).toEqual(['a']);
    expect(skipped).toEqual([
      expect.stringMatching(/^f\.json line 3: .*minVolume 500 is above maxVolume 100/),
    ]);
  });

  describe('with --skip-bad (SPEC §10: bad input of any kind is counted and reported)', () => {
    const skipping = () => {
      const skipped: string[] = [];
      return { skipped, onBad: (e: ReplayInputError) => skipped.push(e.message) };
    };

    it('leaves out bad history lines and reads the rest', () => {
      const { skipped, onBad } = skipping();
      const csv =
        'symbol,date,slot,cum_volume\nAAA,2026-02-27,0,100\nAAA,2026-02-27,192,5\nAAA,2026-02-27,1,200';
      expect(parseHistoryCsv(csv, 'h.csv', onBad).map((r) => r.slot)).toEqual([0, 1]);
      expect(skipped).toEqual([expect.stringMatching(/^h\.csv line 3: slot must be an integer 0\.\.191/)]);
    });

    it('reports a wrong history header and still validates every row as symbol,date,slot,cum_volume', () => {
      const { skipped, onBad } = skipping();
      const csv = 'date,symbol,slot,cum_volume\n2026-02-27,AAA,0,100\nAAA,2026-02-27,1,200';
      expect(parseHistoryCsv(csv, 'h.csv', onBad)).toEqual([
        { symbol: 'AAA', date: '2026-02-27', slot: 1, cumVolume: 200 },
      ]);
      expect(skipped).toEqual([
        expect.stringMatching(/^h\.csv line 1: expected the header/),
        expect.stringMatching(/^h\.csv line 2: bad date/),
      ]);
    });

    it('leaves out bad metadata elements, and a file that is not a JSON array gives none', () => {
      const { skipped, onBad } = skipping();
      const json = '[\n{"symbol":"AAA"},\n{"symbol":"BBB","marketCap":"big"},\n{"symbol":"CCC"}\n]';
      expect(parseMetadataJson(json, 'm.json', onBad).map((m) => m.symbol)).toEqual(['AAA', 'CCC']);
      expect(parseMetadataJson('{"symbol":"AAA"}', 'm.json', onBad)).toEqual([]);
      expect(parseMetadataJson('[{"symbol":', 'm.json', onBad)).toEqual([]);
      expect(skipped).toEqual([
        expect.stringMatching(/^m\.json line 3: element 1: marketCap/),
        expect.stringMatching(/^m\.json line 1: expected a JSON array/),
        expect.stringMatching(/^m\.json line 1: not JSON/),
      ]);
    });

    it('leaves out a bad filter whole, and a second filter with a taken id', () => {
      const { skipped, onBad } = skipping();
      const json = [
        '[',
        '  {"id":1,"name":"a","parameters":{"minPrice":1}},',
        '  {"id":2,"name":"b","parameters":{"minPirce":1,"maxPrice":5}},',
        '  {"id":1,"name":"again"},',
        '  {"id":3,"name":"c"}',
        ']',
      ].join('\n');
      expect(parseFiltersJson(json, 'f.json', onBad).map((f) => f.name)).toEqual(['a', 'c']);
      expect(skipped).toEqual([
        expect.stringMatching(/^f\.json line 3: .*minPirce/),
        expect.stringMatching(/^f\.json line 4: .*duplicate filter id 1/),
      ]);
    });
  });
});
