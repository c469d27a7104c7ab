import { describe, expect, it } from 'vitest';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';
import { Simulator, type SimulatorListener } from '../shared/sim/simulator.js';
import { createLogger } from '../shared/logger.js';
import type { FullMarketSnapshotInput } from '../shared/vendor/snapshot-schema.js';
import { ny } from '../test/utils/market.js';
import { decodeSnapshot } from '../shared/vendor/snapshot-decoder.js';
import { DecodePool } from './decode-pool.js';
import type { MarketEvent } from './market-source.js';
import { SimSource, type SimulatedFeed } from './sim-source.js';

/** Stands in for the simulator: emits the vendor bodies the test gives it, through the real decode worker. */
class ScriptedFeed implements SimulatedFeed {
  listener: SimulatorListener | undefined;
  start(listener: SimulatorListener) {
    this.listener = listener;
  }
  stop() {
    this.listener = undefined;
  }
  subscribe() {}
  unsubscribe() {}
}

describe('the simulated market as a source', () => {
  it('counts the snapshot rows the decoder rejects, by reason, as the vendor path does', async () => {
    const decoder = new DecodePool({ threads: 1 });
    onCleanup(() => decoder.close());
    const feed = new ScriptedFeed();
    const source = new SimSource(feed, decoder, createLogger('test', 'silent'));
    const events: MarketEvent[] = [];
    await source.start((e) => events.push(e));
    // Deliberately invalid rows, which the input type rightly does not allow.
    const body = {
      status: 'OK',
      tickers: [
        { ticker: 'AAA', day: { c: 10 }, prevDay: { c: 9 } },
        { ticker: 'AAA', day: { c: 11 }, prevDay: { c: 9 } },
        { ticker: 'ZERO', day: { c: 0 }, prevDay: { c: 0 } },
        { ticker: 'NEG', lastTrade: { p: -1 } },
      ],
    } as unknown as FullMarketSnapshotInput;
    feed.listener?.onSnapshot(body, ny('10:00'));
    feed.listener?.onSnapshot(body, ny('10:00:05'));
    await waitFor(() => expect(events).toHaveLength(2), { timeoutMs: 5_000 });
    await source.stop();

    expect(events.map((e) => e.kind === 'snapshot' && e.columns.symbols)).toEqual([['AAA'], ['AAA']]);
    expect(source.stats().rejectedByReason).toEqual({
      no_price: 2,
      bad_symbol: 0,
      bad_number: 2,
      duplicate_ticker: 2,
      invalid_row: 0,
    });
  });

  it('decodes the simulator’s snapshot bytes (moved to the worker) exactly as the body’s JSON text', async () => {
    const decoder = new DecodePool({ threads: 1 });
    onCleanup(() => decoder.close());
    const feed = new ScriptedFeed();
    const source = new SimSource(feed, decoder, createLogger('test', 'silent'));
    const events: MarketEvent[] = [];
    await source.start((e) => events.push(e));
    const sim = new Simulator({ seed: 3, tickers: 300 });
    const at = ny('10:30');
    const bytes = sim.snapshotBytesAt(at);
    const text = Buffer.from(bytes).toString('utf8');
    feed.listener?.onSnapshotBytes?.(bytes, at);
    expect(bytes.byteLength).toBe(0); // transferred, not copied
    await waitFor(() => expect(events).toHaveLength(1), { timeoutMs: 5_000 });
    await source.stop();

    const event = events[0]!;
    expect(event.kind === 'snapshot' && event.at).toBe(at);
    const expected = decodeSnapshot(text);
    expect(expected.count).toBe(300);
    expect(event.kind === 'snapshot' && event.columns).toEqual(expected);
  });
});
