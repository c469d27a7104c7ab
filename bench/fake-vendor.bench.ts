import { createLogger } from '../shared/logger.js';
import { nyWallClockToUtcMs } from '../shared/market/ny-time.js';
import { Simulator } from '../shared/sim/simulator.js';
import { FlatFilesClient, minuteAggsKey } from '../shared/vendor/flat-files.js';
import { PolygonRestClient } from '../shared/vendor/polygon-rest.js';
import { ManualClock } from '../test/fake-vendor/market.js';
import {
  FAKE_API_KEY,
  FAKE_FLATFILES_ACCESS_KEY,
  FAKE_FLATFILES_SECRET_KEY,
  startFakeVendor,
} from '../test/fake-vendor/server.js';
import { SimMarket } from '../test/fake-vendor/sim-market.js';

/*
 * `npx tsx bench/fake-vendor.bench.ts [tickers]`: what the fake vendor costs over the simulator's universe
 * (default 12,000 tickers): one ticker's 5 days of minute bars over HTTP (what the REST backfill asks per
 * ticker, gzip on as the product asks), and one day's flat file (build, size, download and parse).
 */

const tickers = Number(process.argv[2] ?? 12_000);
const silent = createLogger('bench', 'silent');
const clock = new ManualClock(nyWallClockToUtcMs('2026-03-11', 12 * 60));
const simulator = new Simulator({ tickers });
const fake = await startFakeVendor({
  market: new SimMarket({ simulator, now: clock.now }),
  streamEveryMs: 0,
});
const rest = new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY, logger: silent });
const symbols = simulator.metadata().map((m) => m.symbol);

const samples: number[] = [];
let bars = 0;
for (let k = 0; k < 40; k++) {
  const symbol = symbols[Math.floor((k * symbols.length) / 40)]!;
  const started = performance.now();
  const got = await rest.aggregateBars(symbol, 1, 'minute', '2026-03-04', '2026-03-10', { limit: 50_000 });
  samples.push(performance.now() - started);
  bars += got.length;
}
samples.sort((a, b) => a - b);
console.log(
  `REST, one ticker's 5 days of minute bars (${tickers} tickers): p50 ${samples[20]!.toFixed(1)} ms, ` +
    `max ${samples.at(-1)!.toFixed(1)} ms, ${Math.round(bars / 40)} bars a request`,
);

const date = '2026-03-10';
let started = performance.now();
const object = await fake.flatFiles!.object(date);
const buildMs = performance.now() - started;
const files = new FlatFilesClient({
  url: fake.restUrl,
  bucket: 'flatfiles',
  accessKey: FAKE_FLATFILES_ACCESS_KEY,
  secretKey: FAKE_FLATFILES_SECRET_KEY,
  logger: silent,
});
started = performance.now();
const rejected = { count: 0, examples: [] as string[] };
let rows = 0;
for await (const row of files.minuteAggs(minuteAggsKey(date), rejected)) rows += row.volume >= 0 ? 1 : 0;
const readMs = performance.now() - started;
console.log(
  `flat file of ${date} (${tickers} tickers): built in ${(buildMs / 1000).toFixed(1)} s, ` +
    `${(object.bytes.length / 1e6).toFixed(1)} MB gzipped, ${rows} rows; ` +
    `downloaded and parsed by the client in ${(readMs / 1000).toFixed(1)} s`,
);
console.log(`RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
await fake.close();
