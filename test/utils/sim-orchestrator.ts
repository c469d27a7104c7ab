import type { MarketEvent } from '../../orchestrator/market-source.js';
import type { Orchestrator } from '../../orchestrator/orchestrator.js';
import { staticReferenceData } from '../../orchestrator/reference-data.js';
import { Simulator } from '../../shared/sim/simulator.js';
import { onCleanup } from './cleanup.js';
import { ny } from './market.js';
import { orchestratorFor, ScriptedSource } from './orchestrator.js';
import type { freshRedis } from './redis.js';
import { waitFor } from './wait.js';

const DAY = '2026-03-03';

/**
 * A real orchestrator over a simulated market (with its metadata and 5 days of history), started on `r`'s Redis
 * prefix and reading the scan registry at every tick; `tick(time)` scans the market at that New York time on the
 * test day and resolves once the scan is published.
 */
export async function simOrchestrator(
  r: Pick<ReturnType<typeof freshRedis>, 'redis' | 'keys'>,
  o: { seed: number; tickers: number },
): Promise<{ orch: Orchestrator; tick: (time: string) => Promise<void>; stop: () => Promise<void> }> {
  const sim = new Simulator(o);
  const reference = staticReferenceData({ metadata: sim.metadata(), history: [...sim.historyRows(5, DAY)] });
  const source = new ScriptedSource();
  const orch = orchestratorFor(r, source, { reference, scansReloadMs: 0 });
  onCleanup(() => orch.stop());
  await orch.start();
  let ticks = 0;
  return {
    orch,
    tick: async (time) => {
      const at = ny(time, DAY);
      const event: MarketEvent = { kind: 'snapshot-rows', at, tickers: sim.snapshotAt(at).tickers ?? [] };
      source.push(event);
      const n = ++ticks;
      await waitFor(() => orch.counters.scans === n, { timeoutMs: 30_000 });
    },
    stop: () => orch.stop(),
  };
}
