import { createServer, type AddressInfo } from 'node:net';

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
