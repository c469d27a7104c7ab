import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A port nothing listens on: bound by the OS, then released. A listener that never accepted anything leaves no
 * TIME_WAIT behind, so a connection to it is refused at once.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A TCP relay: accepts on `listenHost` (a free port) and pipes each connection to `target`. For a service that
 * listens on loopback only (the machine's PostgreSQL) to be reached from another network namespace.
 */
export async function relayTcp(
  listenHost: string,
  target: { readonly host: string; readonly port: number },
): Promise<{ readonly port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy()); // a reset on either side ends the pair (below), nothing else
  };
  const server = createServer((inbound) => {
    const outbound = connect(target.port, target.host);
    track(inbound);
    track(outbound);
    inbound.once('close', () => outbound.destroy());
    outbound.once('close', () => inbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
