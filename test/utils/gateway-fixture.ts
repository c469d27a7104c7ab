import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Publisher } from '../../orchestrator/publisher.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { createLogger } from '../../shared/logger.js';
import type { OrchestratorMetrics } from '../../shared/bus/orchestrator-metrics.js';
import type { ListMessage, ScanRow } from '../../shared/protocol/messages.js';
import { ListSequencer } from '../../shared/scan/deltas.js';
import { LIST_NAMES, type ListName } from '../../shared/scan/lists.js';
import { testDatabaseUrl } from './db.js';
import { freshRedis, testRedisUrl } from './redis.js';
import { scanRow } from './scan-row.js';
import { startGatewayServer, type Gateway, type GatewayOptions } from '../../gateway/server.js';
import { LIST_MESSAGE_FIELD } from '../../shared/bus/list-messages.js';

export type { Gateway };

/*
 * Test support shared by the gateway, SDK and web page tests: a real gateway on real Redis under a fresh key
 * prefix, fed by scans published exactly as the orchestrator publishes them.
 */

/**
 * The default `db`: these gateways serve lists, not the REST API's database routes, so it never connects. Made
 * on first use, so that a file passing its own `db` has no second pool on the same database.
 */
let listsOnly: Db | undefined;
const listsOnlyDb = (): Db => (listsOnly ??= createDb(testDatabaseUrl));

export const TS = '2026-03-02T14:45:01.123Z';

/** A row priced so that each `step` moves it materially (an `update` delta). */
export function row(symbol: string, rank: number, step = 0, v: Partial<ScanRow> = {}): ScanRow {
  return scanRow(symbol, rank, { price: 10 + step, score: 1, updatedAt: TS, ...v });
}

/** Rows for `symbols` in that order (ranked 1, 2…), priced so that each `step` moves every one materially. */
export const rows = (symbols: readonly string[], step = 0, v: Partial<ScanRow> = {}): ScanRow[] =>
  symbols.map((s, i) => row(s, i + 1, step, v));

/** Publishes scans as the orchestrator does: ListSequencer + Publisher (one MULTI per scan). */
export class PublishedMarket {
  private sequencer: ListSequencer;
  readonly current = Object.fromEntries(LIST_NAMES.map((l) => [l, [] as ScanRow[]])) as Record<
    ListName,
    ScanRow[]
  >;

  constructor(
    private readonly publisher: Publisher,
    epoch = 'epoch-1',
  ) {
    this.sequencer = new ListSequencer(() => epoch);
  }

  /**
   * Publishes the lists in `changes` (the others as they were) at `ts`, with the orchestrator's `metrics` and, as
   * the orchestrator does, its status: data received now, a `live` report (so gateways serve `source: live`).
   */
  async scan(
    changes: Partial<Record<ListName, ScanRow[]>>,
    ts = TS,
    metrics?: OrchestratorMetrics,
  ): Promise<ListMessage[]> {
    Object.assign(this.current, changes);
    const messages = LIST_NAMES.flatMap((l) => this.sequencer.publish(l, this.current[l], ts) ?? []);
    await this.publisher.publish({
      ts,
      messages,
      state: this.sequencer.state()!,
      metrics,
      status: {
        receivedAtMs: Date.now(),
        report: { reportedAtMs: Date.now(), session: 'MARKET_OPEN', state: 'live' },
      },
    });
    return messages;
  }

  /** As when the orchestrator lost its sequencer state: a new epoch from seq 1, every list a snapshot. */
  restartWithNewEpoch(epoch: string): void {
    this.sequencer = new ListSequencer(() => epoch);
  }

  symbols(list: ListName): string[] {
    return this.current[list].map((r) => r.symbol);
  }
}

/** One test's Redis prefix, market and gateways; `cleanup` closes and deletes everything. */
export class GatewayFixture {
  readonly env = freshRedis();
  readonly market = new PublishedMarket(new Publisher(this.env.redis, this.env.keys));
  private readonly gateways: Gateway[] = [];
  private readonly children: ChildProcess[] = [];

  async start(overrides: Partial<GatewayOptions> = {}): Promise<Gateway> {
    const g = await startGatewayServer({
      port: 0,
      host: '127.0.0.1',
      tokens: [],
      heartbeatMs: 60_000,
      // The orchestrator's status is re-read often, so a test sees a report it just wrote within a few ms.
      statusReadMs: 20,
      redis: this.env.redis,
      keys: this.env.keys,
      logger: createLogger('gateway-test', 'silent'),
      ...overrides,
      db: overrides.db ?? listsOnlyDb(),
    });
    this.gateways.push(g);
    return g;
  }

  /**
   * Appends `message` to the list-messages stream as is, bypassing the orchestrator's sequencing: the way to
   * give a gateway a message out of sequence, as after it fell behind the stream's MAXLEN.
   */
  async appendRawMessage(message: object): Promise<void> {
    await this.env.redis.xadd(this.env.keys.messagesStream, '*', LIST_MESSAGE_FIELD, JSON.stringify(message));
  }

  /** Closes one gateway now (the others at cleanup). */
  async stop(g: Gateway): Promise<void> {
    this.gateways.splice(this.gateways.indexOf(g), 1);
    await g.close();
  }

  /**
   * A gateway in a child process (so that it can be killed like a crashed one) on this fixture's Redis prefix.
   * uWS listens with SO_REUSEPORT, so another process can already serve the same port when it dies.
   */
  async spawn(port = 0): Promise<{ readonly port: number; readonly child: ChildProcess }> {
    const url = (rel: string) => JSON.stringify(new URL(rel, import.meta.url).href);
    const code = `
      const { Redis } = await import('ioredis');
      const { startGatewayServer } = await import(${url('../../gateway/server.ts')});
      const { keys } = await import(${url('../../shared/bus/keys.ts')});
      const { createDb } = await import(${url('../../shared/db/database.ts')});
      const { createLogger } = await import(${url('../../shared/logger.ts')});
      const e = process.env;
      const g = await startGatewayServer({
        port: Number(e.GW_PORT), host: '127.0.0.1', tokens: [], heartbeatMs: 60000,
        redis: new Redis(e.GW_REDIS, { maxRetriesPerRequest: null }), keys: keys(e.GW_PREFIX),
        db: createDb(e.GW_DB), logger: createLogger('child-gateway', 'silent'),
      });
      process.stdout.write('listening ' + g.port + '\\n');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        ...process.env,
        GW_PORT: String(port),
        GW_REDIS: testRedisUrl,
        GW_PREFIX: this.env.keys.prefix,
        GW_DB: testDatabaseUrl,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.push(child);
    let out = '';
    child.stdout.setEncoding('utf8');
    for await (const chunk of child.stdout) {
      out += chunk as string;
      const m = /listening (\d+)/.exec(out);
      if (m) return { port: Number(m[1]), child };
    }
    throw new Error(`child gateway exited before listening (code ${child.exitCode})`);
  }

  async cleanup(): Promise<void> {
    for (const c of this.children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await once(c, 'exit');
      }
    }
    for (const g of this.gateways.splice(0)) await g.close();
    await this.env.cleanup();
  }
}
