import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeRest } from './rest.js';
import { fixtureData, type FakeRestData } from './rest-data.js';
import { FakeWs } from './ws.js';

/*
 * A fake of the market-data vendor (Polygon/Massive) on 127.0.0.1 with an ephemeral port: the REST API and
 * the stocks WebSocket on one node:http server (WebSocket at `/stocks`), after the checklist of
 * shared/reference/polygon-wire-formats.md §9. For tests and local runs; product code never imports it.
 *
 *   const fake = await startFakeVendor({ data: { snapshot: () => mySnapshot } });
 *   new PolygonRestClient({ baseUrl: fake.restUrl, apiKey: FAKE_API_KEY });
 *   fake.rest.inject('snapshot', FAULTS.rateLimited(1));
 *   fake.ws.pushAggregates([{ ev: 'A', sym: 'AAPL', … }]);
 *   await fake.close();
 */

export { FAULTS, fixtureData, type FakeRestData, type RestFault } from './rest-data.js';
export type { RestRoute } from './rest.js';
export { POLICY_VIOLATION, type PushedEvent } from './ws.js';

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
}

export interface FakeVendor {
  /** `http://127.0.0.1:<port>`: use as the REST base URL. */
  readonly restUrl: string;
  /** `ws://127.0.0.1:<port>/stocks`. */
  readonly wsUrl: string;
  readonly rest: FakeRest;
  readonly ws: FakeWs;
  /** Drops every connection and stops listening; pending delayed responses are cancelled. */
  close(): Promise<void>;
}

export async function startFakeVendor(options: FakeVendorOptions = {}): Promise<FakeVendor> {
  const apiKeys = new Set(options.apiKeys ?? [FAKE_API_KEY]);
  let restUrl = '';
  const rest = new FakeRest(
    apiKeys,
    { ...fixtureData(), ...options.data },
    () => options.publicBaseUrl ?? restUrl,
  );
  const ws = new FakeWs({
    apiKeys,
    authTimeoutMs: options.authTimeoutMs ?? 5_000,
    forbiddenChannels: new Set(options.forbiddenChannels ?? []),
  });
  const server = createServer(rest.handle);
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://fake').pathname === '/stocks') ws.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  restUrl = `http://127.0.0.1:${port}`;
  return {
    restUrl,
    wsUrl: `ws://127.0.0.1:${port}/stocks`,
    rest,
    ws,
    async close() {
      rest.close();
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
