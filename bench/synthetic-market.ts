import type { SnapshotRowInput } from '../shared/scan/market-state.js';
import type { TickerMetadata } from '../shared/scan/metadata.js';
import type { VolumeDay } from '../shared/scan/history.js';
import { hashString, mulberry32 } from '../shared/sim/random.js';

// Seeded, so every run benchmarks the same market.
export const prng = mulberry32;
const hash = hashString;

export function symbolOf(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

export interface SyntheticMarket {
  readonly rows: SnapshotRowInput[];
  readonly metadata: TickerMetadata[];
  /**
   * Five days of history per symbol, generated lazily and grouped by symbol: the orchestrator folds history
   * into baselines as it streams in, and so does the bench, so neither ever holds the raw days at once.
   */
  readonly history: () => Iterable<VolumeDay>;
}

/** `n` tickers with log-normal prices, heavy-tailed volumes, metadata for 90 % and 5 days of history. */
export function syntheticMarket(n: number, historyDates: readonly string[], seed = 7): SyntheticMarket {
  const rand = prng(seed);
  const rows: SnapshotRowInput[] = [];
  const metadata: TickerMetadata[] = [];
  const avgVolumes: number[] = [];
  for (let i = 0; i < n; i++) {
    const symbol = symbolOf(i);
    const prevClose = Math.round(Math.exp(rand() * 7 - 0.7) * 100) / 100 + 0.5;
    const move = (rand() - 0.5) * 0.2;
    const price = Math.round(prevClose * (1 + move) * 100) / 100;
    const avgVolume = Math.round(1e4 / Math.pow(rand() + 0.01, 1.5));
    avgVolumes.push(avgVolume);
    const volume = Math.round(avgVolume * (0.2 + rand() * 2));
    rows.push({
      ticker: symbol,
      lastTrade: { p: price },
      day: {
        o: prevClose,
        h: Math.max(price, prevClose) * 1.01,
        l: Math.min(price, prevClose) * 0.99,
        c: price,
        v: volume,
      },
      prevDay: { c: prevClose },
      min: { av: volume, c: price },
    });
    if (i % 10 !== 0) {
      metadata.push({
        symbol,
        companyName: `${symbol} Corp`,
        exchange: ['XNAS', 'XNYS', 'ARCX'][i % 3]!,
        sector: ['Technology', 'Healthcare', 'Energy', 'Financials'][i % 4]!,
        industry: null,
        marketCap: prevClose * avgVolume * 100,
        floatShares: avgVolume * 50,
        sharesOutstanding: avgVolume * 60,
        avgVolume30d: avgVolume,
        avgVolume10d: avgVolume,
        avgPrice30d: prevClose,
        beta: 1,
        isEtf: i % 17 === 0,
        isActivelyTrading: true,
      });
    }
  }
  return {
    rows,
    metadata,
    history: function* () {
      for (const [i, { ticker: symbol }] of rows.entries()) {
        const avgVolume = avgVolumes[i]!;
        const dayRand = prng(seed ^ hash(symbol));
        for (const date of historyDates) {
          const cum = new Float64Array(192);
          let total = 0;
          for (let slot = 0; slot < 192; slot++)
            cum[slot] = total += Math.round((avgVolume / 192) * (0.5 + dayRand()));
          yield { symbol, date, volumes: cum };
        }
      }
    },
  };
}
