import WebSocket from 'ws';
import { parseWsFrame, type AggregateEvent, type StatusEvent } from '../../shared/vendor/aggregate-schema.js';
import { waitFor } from '../utils/wait.js';

/*
 * Helpers of the fake vendor's own tests: a bare vendor WebSocket client that reads every frame with the
 * product's parser (shared/vendor).
 */

export interface BareClient {
  readonly socket: WebSocket;
  /** Every aggregate received, in order (each frame parsed by the product's parseWsFrame). */
  readonly aggregates: AggregateEvent[];
  readonly statuses: StatusEvent[];
  /** Sends `{action, params}` and waits for one status per param after those already received. */
  send(action: 'subscribe' | 'unsubscribe', params: string): Promise<StatusEvent[]>;
  /**
   * Resolves once every frame the fake sent before this call has arrived: the ack of a no-op unsubscribe
   * comes after them on the same socket. How a test knows nothing more is coming, without sleeping.
   */
  sync(): Promise<void>;
  close(): void;
}

/** Connects, authenticates with `key` and resolves once `auth_success` (or `auth_failed`) arrived. */
export async function connectBare(url: string, key: string): Promise<BareClient> {
  const socket = new WebSocket(url);
  const aggregates: AggregateEvent[] = [];
  const statuses: StatusEvent[] = [];
  // A message arrives as one Buffer (binaryType 'nodebuffer', ws's default).
  socket.on('message', (data: Buffer) => {
    const { events, rejected } = parseWsFrame(data.toString('utf8'));
    if (rejected.length > 0) throw new Error(`the fake sent bad elements: ${JSON.stringify(rejected)}`);
    for (const e of events) {
      if (e.ev === 'A' || e.ev === 'AM') aggregates.push(e);
      else if (e.ev === 'status') {
        statuses.push(e);
        if (e.status === 'connected') socket.send(JSON.stringify({ action: 'auth', params: key }));
      }
    }
  });
  await waitFor(() => statuses.some((s) => s.status === 'auth_success' || s.status === 'auth_failed'));
  const send: BareClient['send'] = async (action, params) => {
    const before = statuses.length;
    const expected = params.split(',').length;
    socket.send(JSON.stringify({ action, params }));
    await waitFor(() => statuses.length >= before + expected);
    return statuses.slice(before);
  };
  return {
    socket,
    aggregates,
    statuses,
    send,
    sync: async () => void (await send('unsubscribe', 'A.SYNC-BARRIER')),
    close: () => socket.terminate(),
  };
}
