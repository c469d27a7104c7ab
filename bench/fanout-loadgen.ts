import { createConnection, type Socket } from 'node:net';
import zlib from 'node:zlib';
import { deflateDictionaryV1 } from '../shared/protocol/deflate-dictionary.js';
import { clientFrame, DeflatedHeads, FrameScanner, OPCODE, readHead } from './ws-frames.js';
import { LatencyHistogram } from './fanout-stats.js';

/*
 * The fan-out bench's load generator, a process of its own (fanout.bench.ts starts it, pinned to its own core
 * when asked): `clients` WebSocket connections to the server under test, each subscribed to every list (`["*"]`),
 * spread over the loopback addresses 127.0.0.1… (`perAddress` each) so that source ports never run out. Each
 * frame is counted with its bytes, and each list message's latency is its receipt time minus its `ts` (the
 * publisher makes `ts` the ms of the stream entry). Commands and results travel over the IPC channel.
 *
 * With `protocol` (the gateway's `scanner.deflate.v1`) list messages arrive as binary frames: every client counts
 * their bytes and reads their type and `ts` from a head inflated once per message (DeflatedHeads); every
 * `inflateEvery`-th client also inflates each whole frame, as a real client would, and counts the ones that do
 * not inflate to a JSON list message (`badFrames`).
 */

export interface LoadgenConfig {
  readonly port: number;
  readonly clients: number;
  readonly perAddress: number;
  /** Connection attempts in flight at once during the ramp. */
  readonly concurrency: number;
  /** Sec-WebSocket-Protocol to offer (e.g. scanner.deflate.v1); none: JSON text frames. */
  readonly protocol?: string | undefined;
  /**
   * With a protocol: every n-th client inflates and parses whole frames (default 100: at 1 in 10, the 10,000-client
   * rows spent the load generator's core on inflate + JSON.parse, which the JSON rows never do, and measured it).
   */
  readonly inflateEvery?: number | undefined;
}

export type LoadgenCommand =
  { cmd: 'connect' } | { cmd: 'status' } | { cmd: 'window-start' } | { cmd: 'window-end' };

export interface WindowStats {
  readonly type: 'window';
  readonly seconds: number;
  readonly bytes: number;
  readonly snapshots: number;
  readonly deltas: number;
  readonly heartbeats: number;
  readonly otherFrames: number;
  /** Binary frames a whole-frame client could not inflate to a list message. */
  readonly badFrames: number;
  readonly open: number;
  /** Connections that closed during the window. */
  readonly closed: number;
  readonly histogram: number[];
  readonly maxLatencyMs: number;
  readonly cpuMs: number;
}

export type LoadgenReply =
  | { type: 'connected'; open: number; failed: number; rampMs: number }
  | { type: 'status'; open: number; snapshots: number }
  | WindowStats;

const config = JSON.parse(process.argv[2] ?? '{}') as LoadgenConfig;
const HEADS = new DeflatedHeads();
/** A whole binary frame: up to the gateway's largest list message (a snapshot of every row is < 64 KB). */
const WHOLE_FRAME_BYTES = 1 << 20;
const SUBSCRIBE = clientFrame(OPCODE.text, Buffer.from('{"op":"subscribe","lists":["*"]}'));
const now = (): number => performance.timeOrigin + performance.now();

let open = 0;
let totalSnapshots = 0;
let w = freshWindow();

function freshWindow() {
  return {
    started: now(),
    cpu: process.cpuUsage(),
    bytes: 0,
    snapshots: 0,
    deltas: 0,
    heartbeats: 0,
    otherFrames: 0,
    badFrames: 0,
    closed: 0,
    latency: new LatencyHistogram(),
  };
}

class Client {
  private upgraded = false;
  private pending = Buffer.alloc(0);
  private receivedAt = 0;
  private readonly scanner: FrameScanner;

  constructor(
    private readonly socket: Socket,
    private readonly onUpgrade: (ok: boolean) => void,
    /** Inflates whole binary frames (one client in `inflateEvery`). */
    private readonly inflates = false,
  ) {
    this.scanner = new FrameScanner(
      (op, len, head) => this.frame(op, len, head),
      inflates ? WHOLE_FRAME_BYTES : undefined,
    );
    socket.setNoDelay(true);
    // A connection the server never answers must not hold up the ramp.
    socket.setTimeout(30_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      try {
        this.data(chunk);
      } catch {
        // A frame the scanner does not handle (UnexpectedFrame): counted, and that client dropped.
        w.otherFrames++;
        socket.destroy();
      }
    });
    socket.on('close', () => {
      if (this.upgraded) {
        open--;
        w.closed++;
      } else this.onUpgrade(false);
    });
    socket.on('error', () => undefined);
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${config.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        (config.protocol ? `Sec-WebSocket-Protocol: ${config.protocol}\r\n` : '') +
        '\r\n',
    );
  }

  private data(chunk: Buffer): void {
    w.bytes += chunk.length;
    this.receivedAt = now();
    if (this.upgraded) return this.scanner.push(chunk);
    this.pending = Buffer.concat([this.pending, chunk]);
    const end = this.pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    const response = this.pending.subarray(0, end).toString('latin1');
    // Offered a protocol: a gateway that did not choose it would send JSON, which is not what is measured.
    const agreed =
      !config.protocol || response.toLowerCase().includes(`sec-websocket-protocol: ${config.protocol}`);
    if (!response.startsWith('HTTP/1.1 101') || !agreed) {
      this.socket.destroy();
      return;
    }
    this.upgraded = true;
    this.socket.setTimeout(0);
    open++;
    this.onUpgrade(true);
    this.socket.write(SUBSCRIBE);
    const rest = this.pending.subarray(end + 4);
    this.pending = Buffer.alloc(0);
    if (rest.length) this.scanner.push(rest);
  }

  private frame(opcode: number, length: number, head: Buffer): void {
    if (opcode === OPCODE.ping) {
      this.socket.write(clientFrame(OPCODE.pong, Buffer.from(head)));
      return;
    }
    let read: ReturnType<typeof readHead>;
    if (opcode === OPCODE.text) read = readHead(head);
    else if (opcode === OPCODE.binary && config.protocol) read = this.binary(length, head);
    else {
      w.otherFrames++;
      return;
    }
    const { type, tsMs } = read;
    if (type === 'snapshot' || type === 'delta') {
      if (type === 'snapshot') {
        w.snapshots++;
        totalSnapshots++;
      } else w.deltas++;
      if (tsMs !== undefined) w.latency.add(this.receivedAt - tsMs);
    } else if (type === 'heartbeat') w.heartbeats++;
    else w.otherFrames++;
  }

  /** A deflated list message: its head, read once for all clients; inflated whole by the sampled clients. */
  private binary(length: number, payload: Buffer): ReturnType<typeof readHead> {
    const read = HEADS.read(payload, length);
    if (this.inflates) {
      try {
        const text = zlib.inflateRawSync(payload, { dictionary: deflateDictionaryV1() }).toString('utf8');
        const msg = JSON.parse(text) as { type?: unknown };
        if (msg.type !== read.type) w.badFrames++;
      } catch {
        w.badFrames++;
      }
    }
    return read;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const clients: Client[] = [];

/** Opens every connection, `concurrency` attempts at a time, each retried a few times (a full accept queue). */
async function connectAll(): Promise<{ open: number; failed: number; rampMs: number }> {
  const started = now();
  let next = 0;
  let failed = 0;
  const one = (index: number, attempt: number): Promise<void> =>
    new Promise<boolean>((resolve) => {
      const localAddress = `127.0.0.${1 + Math.floor(index / config.perAddress)}`;
      const socket = createConnection({ host: '127.0.0.1', port: config.port, localAddress });
      let settled = false;
      const inflates = config.protocol !== undefined && index % (config.inflateEvery ?? 100) === 0;
      const client = new Client(
        socket,
        (ok) => {
          if (settled) return;
          settled = true;
          if (ok) clients.push(client);
          resolve(ok);
        },
        inflates,
      );
    }).then(async (ok) => {
      if (ok) return;
      if (attempt >= 5) {
        failed++;
        return;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      return one(index, attempt + 1);
    });
  const worker = async (): Promise<void> => {
    while (next < config.clients) await one(next++, 0);
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, config.clients) }, worker));
  return { open, failed, rampMs: now() - started };
}

function reply(message: LoadgenReply): void {
  process.send!(message);
}

process.on('message', (raw: LoadgenCommand) => {
  switch (raw.cmd) {
    case 'connect':
      void connectAll().then((r) => reply({ type: 'connected', ...r }));
      return;
    case 'status':
      return reply({ type: 'status', open, snapshots: totalSnapshots });
    case 'window-start':
      w = freshWindow();
      return reply({ type: 'status', open, snapshots: totalSnapshots });
    case 'window-end': {
      const cpu = process.cpuUsage(w.cpu);
      reply({
        type: 'window',
        seconds: (now() - w.started) / 1000,
        bytes: w.bytes,
        snapshots: w.snapshots,
        deltas: w.deltas,
        heartbeats: w.heartbeats,
        otherFrames: w.otherFrames,
        badFrames: w.badFrames,
        open,
        closed: w.closed,
        histogram: w.latency.counts(),
        maxLatencyMs: w.latency.max,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
      return;
    }
  }
});
// The parent going away ends the clients with it.
process.on('disconnect', () => {
  for (const c of clients) c.destroy();
  process.exit(0);
});
