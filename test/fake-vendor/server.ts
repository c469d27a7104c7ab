import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/logger.js';
import type { FakeFlatFiles } from './flat-files.js';
import type { FakeMarket } from './market.js';
import { MarketStream } from './market-stream.js';
import { PLAN_RULES, type Plan } from './plan.js';
import { FakeRest } from './rest.js';
import { fixtureData, type FakeRestData } from './rest-data.js';
import { FakeWs } from './ws.js';

/*
 * A fake of the market-data vendor (Polygon/Massive) on 127.0.0.1 (an ephemeral port unless told): the REST
 * API and the stocks WebSocket on one node:http server (WebSocket at `/stocks`), after the checklist of
 * docs/vendor.md §9. For tests and local runs (cli.ts); product code never
 * imports it.
 *
 * Data: the recorded fixtures, any of them replaced by a test's functions (`data`), or a living market
 * (`market`: the simulator or a recording) whose snapshot the REST side serves and whose `A`/`AM` bars the
 * WebSocket streams to subscribers. `plan` plays the free, delayed or real-time plan (plan.ts).
 *
 *   const fake = await startFakeVendor({ data: { snapshot: () => mySnapshot } });
 *   new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY });
 *   fake.rest.inject('snapshot', FAULTS.rateLimited(1));
 *   fake.ws.pushAggregates([{ ev: 'A', sym: 'AAPL', … }]);
 *
 *   const clock = new ManualClock(Date.parse('2026-03-02T10:00:00-05:00'));
 *   const live = await startFakeVendor({ market: new SimMarket({ tickers: 300, now: clock.now }), streamEveryMs: 0 });
 *   clock.advance(5_000);
 *   live.stream?.tick(); // the five seconds' A bars go to their subscribers
 *   await fake.close();
 */

export { FAULTS, fixtureData, type FakeRestData, type RestFault } from './rest-data.js';
export type { RestRoute } from './rest.js';
export { POLICY_VIOLATION, type PushedEvent } from './ws.js';
export { ManualClock, type FakeMarket } from './market.js';
export {
  FAKE_FLATFILES_ACCESS_KEY,
  FAKE_FLATFILES_BUCKET,
  FAKE_FLATFILES_SECRET_KEY,
  type FakeFlatFiles,
} from './flat-files.js';
export { PLANS, type Plan } from './plan.js';

/** The key the fake accepts unless told otherwise. */
export const FAKE_API_KEY = 'fake-api-key';

export interface FakeVendorOptions {
  /** Accepted keys. Default [FAKE_API_KEY]. */
  readonly apiKeys?: readonly string[];
  /** Overrides of the data source; the rest comes from the recorded fixtures. */
  readonly data?: Partial<FakeRestData>;
  /** WebSocket `auth` deadline. Default 5 000 ms (the vendor's is undocumented). */
  readonly authTimeoutMs?: number;
  /** WebSocket channels the simulated plan lacks. Default none. */
  readonly forbiddenChannels?: readonly string[];
  /** Origin written into `next_url` (to play a vendor that names another host). Default the fake's own. */
  readonly publicBaseUrl?: string;
  /** A living market: REST snapshots from it (unless `data.snapshot` is given) and WebSocket `A`/`AM`. */
  readonly market?: FakeMarket;
  /** The simulated plan (plan.ts). Default 'realtime'. */
  readonly plan?: Plan;
  /** With a market: wall ms between WebSocket deliveries; 0 = only on `stream.tick()`. Default 1 000. */
  readonly streamEveryMs?: number;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Wall clock of the free plan's per-minute limit. Default Date.now. */
  readonly wallNow?: () => number;
  /** Requests, connections and subscriptions are logged here when given. */
  readonly logger?: Logger;
  /**
   * With a market that has history (the simulator): its S3 flat files on the same server, path-style under
   * `/{bucket}`. Access key → secret key; default {FAKE_FLATFILES_ACCESS_KEY: FAKE_FLATFILES_SECRET_KEY}.
   */
  readonly flatFilesKeys?: Readonly<Record<string, string>>;
  /** Default `flatfiles`, the vendor's. */
  readonly flatFilesBucket?: string;
}

export interface FakeVendor {
  /** `http://127.0.0.1:<port>`: use as the REST base URL. */
  readonly restUrl: string;
  /** `ws://127.0.0.1:<port>/stocks`. */
  readonly wsUrl: string;
  readonly rest: FakeRest;
  readonly ws: FakeWs;
  readonly plan: Plan;
  readonly market: FakeMarket | undefined;
  /** The market's WebSocket delivery (with a market only). */
  readonly stream: MarketStream | undefined;
  /** The S3 flat files (simulated market only); their endpoint URL is `restUrl`, their bucket `flatFiles.bucket`. */
  readonly flatFiles: FakeFlatFiles | undefined;
  /** Drops every connection and stops listening; pending delayed responses are cancelled. */
  close(): Promise<void>;
}

/** `A.*` on 12,000 tickers of an accelerated market would otherwise be one frame of tens of MB. */
const MAX_EVENTS_PER_FRAME = 5_000;

export async function startFakeVendor(options: FakeVendorOptions = {}): Promise<FakeVendor> {
  const apiKeys = new Set(options.apiKeys ?? [FAKE_API_KEY]);
  const plan = options.plan ?? 'realtime';
  const rules = PLAN_RULES[plan];
  const { market, logger } = options;
  let restUrl = '';
  const marketData: Partial<FakeRestData> =
    market === undefined
      ? {}
      : {
          ...market.restData?.(() => market.now() - rules.dataDelayMs),
          snapshot: () => market.snapshotAt(market.now() - rules.dataDelayMs),
        };
  const rest = new FakeRest(
    apiKeys,
    { ...fixtureData(), ...marketData, ...options.data },
    () => options.publicBaseUrl ?? restUrl,
    {
      plan: rules,
      ...(options.wallNow ? { wallNow: options.wallNow } : {}),
      ...(market ? { marketNow: () => market.now() } : {}),
      ...(logger ? { logger } : {}),
    },
  );
  const ws = new FakeWs({
    apiKeys,
    authTimeoutMs: options.authTimeoutMs ?? 5_000,
    forbiddenChannels: new Set([...(options.forbiddenChannels ?? []), ...rules.refusedChannels]),
    ...(logger ? { logger } : {}),
  });
  const flatFiles = market?.flatFiles?.({
    now: () => market.now(),
    ...(options.flatFilesKeys ? { keys: options.flatFilesKeys } : {}),
    ...(options.flatFilesBucket ? { bucket: options.flatFilesBucket } : {}),
    ...(logger ? { logger } : {}),
  });
  const server = createServer((req, res) => {
    if (flatFiles?.owns(new URL(req.url ?? '/', 'http://fake').pathname) === true)
      void flatFiles.handle(req, res);
    else rest.handle(req, res);
  });
  const stream =
    market === undefined
      ? undefined
      : new MarketStream(market, ws, {
          everyMs: options.streamEveryMs ?? 1_000,
          dataDelayMs: rules.dataDelayMs,
          maxEventsPerFrame: MAX_EVENTS_PER_FRAME,
          ...(logger ? { logger } : {}),
        });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://fake').pathname === '/stocks') ws.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  }).catch(async (err: unknown) => {
    stream?.stop();
    await ws.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  restUrl = `http://${host}:${port}`;
  return {
    restUrl,
    wsUrl: `ws://${host}:${port}/stocks`,
    rest,
    ws,
    plan,
    market,
    stream,
    flatFiles,
    async close() {
      stream?.stop();
      rest.close();
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
