import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { createConnection } from 'node:net';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { deflateDictionaryV1 } from '../shared/protocol/deflate-dictionary.js';
import {
  clientFrame,
  DeflatedHeads,
  FrameScanner,
  HEAD_BYTES,
  OPCODE,
  readHead,
  UnexpectedFrame,
} from './ws-frames.js';
import { onCleanup } from '../test/utils/cleanup.js';
import { waitFor } from '../test/utils/wait.js';

function serverFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const header =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(len)]);
  return Buffer.concat([header, payload]);
}

function bigLength(len: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(len));
  return b;
}

describe('the bench frame scanner', () => {
  it('finds every frame of all three length encodings, whatever the chunk boundaries', () => {
    const payloads = [
      Buffer.from('{"type":"pong","id":1}'),
      Buffer.alloc(300, 'a'),
      Buffer.alloc(70_000, 'b'),
    ];
    const stream = Buffer.concat(payloads.map((p) => serverFrame(OPCODE.text, p)));
    for (const step of [1, 3, 7, 1000, stream.length]) {
      const seen: [number, number, string][] = [];
      const scanner = new FrameScanner((op, len, head) =>
        seen.push([op, len, head.toString('latin1', 0, 4)]),
      );
      for (let off = 0; off < stream.length; off += step) scanner.push(stream.subarray(off, off + step));
      expect(seen).toEqual([
        [OPCODE.text, payloads[0]!.length, '{"ty'],
        [OPCODE.text, 300, 'aaaa'],
        [OPCODE.text, 70_000, 'bbbb'],
      ]);
    }
  });

  it('keeps only the first HEAD_BYTES of a payload', () => {
    const heads: number[] = [];
    new FrameScanner((_op, _len, head) => heads.push(head.length)).push(
      serverFrame(OPCODE.text, Buffer.alloc(5000)),
    );
    expect(heads).toEqual([HEAD_BYTES]);
  });

  it('reports an empty ping as a frame of its own', () => {
    const seen: number[] = [];
    new FrameScanner((op) => seen.push(op)).push(
      Buffer.concat([serverFrame(OPCODE.ping, Buffer.alloc(0)), serverFrame(OPCODE.text, Buffer.from('x'))]),
    );
    expect(seen).toEqual([OPCODE.ping, OPCODE.text]);
  });

  it('refuses a fragmented frame instead of miscounting it', () => {
    const scanner = new FrameScanner(() => undefined);
    expect(() => scanner.push(Buffer.from([0x01, 0x01, 0x61]))).toThrow(UnexpectedFrame);
  });

  it('reads the type and the ts of a list message from its head', () => {
    const head = Buffer.from(
      '{"type":"delta","list":"winners","epoch":"e","seq":3,"prevSeq":2,"ts":"2026-03-02T14:45:01.123Z","deltas":[',
    );
    expect(readHead(head)).toEqual({ type: 'delta', tsMs: Date.parse('2026-03-02T14:45:01.123Z') });
    expect(readHead(Buffer.from('{"type":"pong","id":1}'))).toEqual({ type: 'pong', tsMs: undefined });
  });

  it('reads the type and the ts of a deflated list message from the head of its frame, inflated once', () => {
    const ts = '2026-03-02T14:45:01.123Z';
    const rowsJson = JSON.stringify(
      Array.from({ length: 50 }, (_, i) => ({ symbol: `S${i}`, rank: i + 1, price: Math.random() })),
    );
    const json = `{"type":"snapshot","list":"winners","epoch":"e","seq":3,"prevSeq":2,"ts":"${ts}","rows":${rowsJson}}`;
    const frame = zlib.deflateRawSync(json, { dictionary: deflateDictionaryV1() });
    expect(frame.length).toBeGreaterThan(HEAD_BYTES);
    const heads = new DeflatedHeads();
    const head = frame.subarray(0, HEAD_BYTES);
    expect(heads.read(head, frame.length)).toEqual({ type: 'snapshot', tsMs: Date.parse(ts) });
    // The next client's copy is answered from memory: the same result object.
    expect(heads.read(Buffer.from(head), frame.length)).toBe(heads.read(head, frame.length));
    // A whole frame kept by a scanner with a larger head is read the same way.
    const whole: Buffer[] = [];
    new FrameScanner((_op, _len, payload) => whole.push(Buffer.from(payload)), 1 << 20).push(
      serverFrame(OPCODE.binary, frame),
    );
    expect(whole[0]).toEqual(frame);
  });

  it('speaks to a real ws server: a masked frame it accepts, and the frames it sends back', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    onCleanup(() => new Promise((r) => wss.close(r)));
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (ws: WebSocket) =>
      ws.on('message', (data: Buffer) => {
        ws.send(`echo:${data.toString()}`);
        ws.send(Buffer.alloc(200_000, 'z'), { binary: false });
      }),
    );
    const { port } = wss.address() as AddressInfo;
    const socket = createConnection({ host: '127.0.0.1', port });
    onCleanup(() => socket.destroy());
    const frames: [number, number, string][] = [];
    const scanner = new FrameScanner((op, len, head) =>
      frames.push([op, len, head.toString('latin1', 0, 10)]),
    );
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return scanner.push(chunk);
      const end = chunk.indexOf('\r\n\r\n');
      upgraded = true;
      scanner.push(chunk.subarray(end + 4));
    });
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    socket.write(clientFrame(OPCODE.text, Buffer.from('hello')));
    await waitFor(() => frames.length === 2, { what: 'both frames back' });
    expect(frames).toEqual([
      [OPCODE.text, 10, 'echo:hello'],
      [OPCODE.text, 200_000, 'zzzzzzzzzz'],
    ]);
  });
});
