/**
 * The part of the WebSocket API the SDK uses, as structural types: the browser's global `WebSocket` and the
 * `ws` package's class both fit, so the SDK needs neither the DOM lib nor a Node import.
 */

/** `WebSocket.OPEN` (same value in the browser and in `ws`). */
export const SOCKET_OPEN = 1;

/** A handler property the SDK assigns; bivariant in its event so that `ws`'s richer event types fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'] | null;

export interface SocketLike {
  readonly readyState: number;
  /** Set to `arraybuffer` for the deflate encoding (browsers default to Blob, `ws` to Buffer). */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown>;
  onmessage: Handler<{ readonly data: unknown }>;
  onclose: Handler<{ readonly code: number; readonly reason: string }>;
  onerror: Handler<unknown>;
}

/** `WebSocket` in the browser, `import WebSocket from 'ws'` in Node; `protocols` are the subprotocols offered. */
export type SocketConstructor = new (url: string, protocols?: string[]) => SocketLike;

/** The runtime's global WebSocket (browsers, Node ≥ 22), or undefined. */
export function globalSocket(): SocketConstructor | undefined {
  return (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
}

/** What an error event says, when it says anything (`ws` gives a message; browsers give nothing). */
export function describeSocketError(event: unknown): string {
  const inner = (event as { message?: unknown; error?: { message?: unknown } } | null) ?? {};
  const message = inner.message ?? inner.error?.message;
  return typeof message === 'string' && message !== '' ? message : 'connection failed';
}
