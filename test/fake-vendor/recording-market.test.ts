import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onCleanup } from '../utils/cleanup.js';
import { PolygonRestClient } from '../../shared/vendor/polygon-rest.js';
import { createLogger } from '../../shared/logger.js';
import { ReplayInputError } from '../../shared/replay/errors.js';
import { ManualClock } from './market.js';
import { RecordingMarket } from './recording-market.js';
import { FAKE_API_KEY, startFakeVendor, type FakeVendor, type FakeVendorOptions } from './server.js';
import { connectBare } from './testing.js';
import { ny } from '../utils/market.js';

const logger = createLogger('test', 'silent');
const dir = mkdtempSync(join(tmpdir(), 'fake-vendor-recording-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (ticker: string, price: number) => ({
  ticker,
  day: { o: 10, h: price, l: 10, c: price, v: 50_000, vw: price },
  prevDay: { o: 10, h: 10, l: 10, c: 10, v: 40_000, vw: 10 },
  lastTrade: { c: null, i: '1', p: price, s: 100, t: ny('10:00') * 1e6, x: 4 },
  updated: ny('10:00') * 1e6,
});
const bar = (ev: 'A' | 'AM', sym: string, end: number, c: number) => ({
  ev,
  sym,
  v: 100,
  av: 50_000,
  op: 10,
  vw: c,
  o: c,
  c,
  h: c,
  l: c,
  a: c,
  z: 100,
  s: end - (ev === 'A' ? 1_000 : 60_000),
  e: end,
});
const iso = (ms: number) => new Date(ms).toISOString();

/** Three snapshots five seconds apart (AAA at 11, 12, 13), and bars between them, one line each. */
function writeRecording(name: string, lines: readonly unknown[] = defaultLines()): string {
  const file = join(dir, name);
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}
function defaultLines(): unknown[] {
  const snapshot = (at: number, price: number) => ({
    at: iso(at),
    snapshot: { status: 'OK', count: 2, tickers: [row('AAA', price), row('BBB', 9)] },
  });
  return [
    snapshot(ny('10:00:00'), 11),
    {
      at: iso(ny('10:00:01')),
      aggregates: [bar('A', 'AAA', ny('10:00:01'), 11.1), bar('A', 'BBB', ny('10:00:01'), 9)],
    },
    // Key order of a hand-written line: the fake must not depend on the recorder's.
    `{"snapshot":${JSON.stringify({ status: 'OK', count: 1, tickers: [row('AAA', 12)] })},"at":"${iso(ny('10:00:05'))}"}`,
    '',
    {
      at: iso(ny('10:00:06')),
      aggregates: [bar('A', 'AAA', ny('10:00:06'), 12.1), bar('AM', 'AAA', ny('10:00:00'), 11)],
    },
    snapshot(ny('10:00:10'), 13),
  ];
}

let fake: FakeVendor | undefined;
/** Starts the fake vendor for the current test, which closes it when it ends. */
async function startFake(options?: FakeVendorOptions): Promise<FakeVendor> {
  const started = await startFakeVendor(options);
  onCleanup(() => started.close());
  return started;
}

async function open(file: string, clock: ManualClock): Promise<RecordingMarket> {
  const market = await RecordingMarket.open(file, { now: clock.now });
  onCleanup(() => market.close());
  return market;
}

describe('the fake vendor fed by a recording (SPEC §10)', () => {
  it('serves the recorded snapshots in order as the market clock passes them, then the last one', async () => {
    const clock = new ManualClock(ny('09:59:59'));
    const market = await open(writeRecording('snapshots.ndjson'), clock);
    expect(market.snapshotTimes).toEqual([ny('10:00:00'), ny('10:00:05'), ny('10:00:10')]);
    fake = await startFake({ market, streamEveryMs: 0 });
    const rest = new PolygonRestClient({
      baseUrl: fake.restUrl,
      apiKey: FAKE_API_KEY,
      maxRetries: 0,
      logger,
    });
    const prices = async () =>
      (await rest.fullMarketSnapshot()).snapshot.tickers.map((t) => [t.ticker, t.lastTrade?.p]);

    expect(await prices()).toEqual([]); // before the first line: nothing recorded yet
    const seen: unknown[] = [];
    for (const t of ['10:00:00', '10:00:04', '10:00:05', '10:00:09', '10:00:10', '16:00']) {
      clock.set(ny(t));
      seen.push(await prices());
    }
    expect(seen).toEqual([
      [
        ['AAA', 11],
        ['BBB', 9],
      ],
      [
        ['AAA', 11],
        ['BBB', 9],
      ],
      [['AAA', 12]],
      [['AAA', 12]],
      [
        ['AAA', 13],
        ['BBB', 9],
      ],
      [
        ['AAA', 13],
        ['BBB', 9],
      ],
    ]);
  });

  it('streams each recorded aggregates line to the subscribers of its symbols once the clock reaches it', async () => {
    const clock = new ManualClock(ny('10:00:00'));
    fake = await startFake({
      market: await open(writeRecording('bars.ndjson'), clock),
      streamEveryMs: 0,
    });
    const c = await connectBare(fake.wsUrl, FAKE_API_KEY);
    onCleanup(() => c.close());
    await c.send('subscribe', 'A.AAA,AM.AAA');

    clock.set(ny('10:00:03'));
    fake.stream!.tick();
    await c.sync();
    expect(c.aggregates).toEqual([expect.objectContaining({ ev: 'A', sym: 'AAA', c: 11.1 })]);

    clock.set(ny('10:00:30'));
    fake.stream!.tick();
    await c.sync();
    // As recorded: the stream replays what the vendor sent, bar fields and order untouched.
    expect(c.aggregates.slice(1)).toEqual([
      bar('A', 'AAA', ny('10:00:06'), 12.1),
      bar('AM', 'AAA', ny('10:00:00'), 11),
    ]);
  });

  it('runs at the recorded pace from the first line, or faster', async () => {
    let wall = 1_000_000;
    const file = writeRecording('pace.ndjson');
    const paced = await RecordingMarket.open(file, { wallNow: () => wall });
    const fast = await RecordingMarket.open(file, { wallNow: () => wall, speed: 10 });
    onCleanup(() => paced.close());
    onCleanup(() => fast.close());
    expect(paced.now()).toBe(ny('10:00:00'));
    wall += 1_500;
    expect(paced.now()).toBe(ny('10:00:00') + 1_500);
    expect(fast.now()).toBe(ny('10:00:15'));
  });

  it('indexes the bundled sample day', async () => {
    const market = await RecordingMarket.open('samples/day.ndjson');
    onCleanup(() => market.close());
    expect(market.snapshotTimes.length).toBeGreaterThan(100);
    expect(market.snapshotAt(market.lastAt).tickers?.length).toBe(20);
  });

  it('names the line of a recording whose instants go back in time', async () => {
    const lines = defaultLines();
    [lines[4], lines[5]] = [lines[5], lines[4]];
    await expect(RecordingMarket.open(writeRecording('bad.ndjson', lines), {})).rejects.toThrow(
      new ReplayInputError(join(dir, 'bad.ndjson'), 6, '`at` goes back in time'),
    );
  });
});
