/**
 * The one module that imports uWebSockets.js (installed as an npm alias of @trufflesuite/uws-js-unofficial,
 * see docs/dependencies.md): a native addon whose build or fork may change, so the rest of the gateway depends on
 * these re-exports only.
 */
import uWS from 'uWebSockets.js';

export const App = uWS.App;
export const closeListenSocket = uWS.us_listen_socket_close;
export const listenSocketPort = uWS.us_socket_local_port;
/**
 * permessage-deflate (GATEWAY_COMPRESSION): `off`, or `shared` — one compressor for every socket, each message
 * compressed on its own (no per-socket memory; clients that do not offer the extension get plain frames).
 */
export const COMPRESSION = { off: uWS.DISABLED, shared: uWS.SHARED_COMPRESSOR } as const;
export type Compression = keyof typeof COMPRESSION;

/** `WebSocket.send` result: the message was dropped because the socket is past `maxBackpressure`. */
export const SEND_DROPPED = 2;

export type {
  HttpRequest,
  HttpResponse,
  TemplatedApp,
  us_listen_socket as ListenSocket,
  us_socket_context_t as SocketContext,
  WebSocket,
} from 'uWebSockets.js';
