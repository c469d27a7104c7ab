import WebSocket from 'ws';
import type { AnyListName, ListMessage, ServerMessage } from '../../shared/protocol/messages.js';
import { waitFor } from './wait.js';

/** A real WebSocket client of the gateway (the `ws` package) that keeps every message it receives, parsed. */
export class WsTestClient {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    // A message arrives as one Buffer (binaryType 'nodebuffer', ws's default).
    ws.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as ServerMessage);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsTestClient> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsTestClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The first message (already received or to come) matching `pred`. */
  async waitFor<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  async waitFor(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  async waitFor(pred: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    return waitFor(() => this.messages.find(pred) ?? false, {
      timeoutMs,
      what: `a message matching ${pred.toString()}`,
    });
  }

  /** Round trip: every message the server sent before the pong has arrived. */
  async ping(id: number): Promise<void> {
    this.send({ op: 'ping', id });
    await this.waitFor((m) => m.type === 'pong' && m.id === id);
  }

  listMessages(list?: AnyListName): ListMessage[] {
    return this.messages.filter(
      (m): m is ListMessage =>
        (m.type === 'snapshot' || m.type === 'delta') && (list === undefined || m.list === list),
    );
  }

  close(): void {
    this.ws.terminate();
  }
}
