import WebSocket from 'ws';
import { LIST_NAMES } from '../../shared/scan/lists.js';
import type { ListMessage, SnapshotMessage } from '../../shared/protocol/messages.js';
import { ListClient, type ConnectionStatus } from '../../shared/sdk/index.js';
import { onCleanup } from '../utils/cleanup.js';
import type { Services } from './services.js';

/** An SDK client subscribed to every list, and what it saw. */
export class WatchedClient {
  readonly client: ListClient;
  readonly statuses: { readonly at: number; readonly status: ConnectionStatus }[] = [];
  readonly resyncs: string[] = [];
  readonly received: { readonly at: number; readonly msg: ListMessage }[] = [];

  constructor(port: number) {
    this.client = new ListClient({
      url: `ws://127.0.0.1:${port}/ws`,
      WebSocket,
      backoff: { initialMs: 100, maxMs: 1_000 },
      pingIntervalMs: 2_000,
    });
    this.client.onStatus((status) => this.statuses.push({ at: Date.now(), status }));
    this.client.onResync((list, reason) => this.resyncs.push(`${list}: ${reason}`));
    this.client.onList((_l, _r, msg) => this.received.push({ at: Date.now(), msg }));
    this.client.start();
    onCleanup(() => this.client.stop());
  }

  /** Lists whose held seq and rows differ from the snapshots the orchestrator stored last (empty: converged). */
  async divergence(s: Services): Promise<string[]> {
    const out: string[] = [];
    for (const list of LIST_NAMES) {
      const text = await s.redis.hget(s.keys.listSnapshots, s.keys.listField(list));
      const stored = text === null ? undefined : (JSON.parse(text) as SnapshotMessage);
      const held = this.client.snapshot(list);
      if (stored === undefined && held === undefined) continue;
      const sameRows =
        JSON.stringify(held?.rows.map((r) => r.symbol)) === JSON.stringify(stored?.rows.map((r) => r.symbol));
      if (held?.epoch !== stored?.epoch || held?.seq !== stored?.seq || !sameRows)
        out.push(`${list}: holds seq ${held?.seq}, stored ${stored?.seq}`);
    }
    return out;
  }
}
