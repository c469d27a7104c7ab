import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { deflateDictionaryV1 } from '../shared/protocol/deflate-dictionary.js';

/*
 * The fan-out bench's WebSocket client side, cut to what a load generator needs: frame boundaries and the first
 * bytes of each frame, without assembling, copying or decoding payloads. Ten thousand `ws` clients in one
 * process would spend most of their CPU on buffer concatenation and UTF-8 validation of frames nobody reads,
 * and that CPU is taken from the server being measured on a 2-core machine.
 */

/** Bytes of each frame's payload kept for the caller: enough for a list message's `type`, `list`, `seq`, `ts`. */
export const HEAD_BYTES = 256;

export const OPCODE = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** A frame the server sent that this scanner does not handle (fragmented or masked). */
export class UnexpectedFrame extends Error {
  override readonly name = 'UnexpectedFrame';
}

export interface FrameSink {
  /** A whole frame arrived: its opcode, its payload's length and first bytes (up to the scanner's head size). */
  (opcode: number, payloadLength: number, head: Buffer): void;
}

/** Splits a server's byte stream into frames, keeping only the head of each payload. */
export class FrameScanner {
  private readonly header = Buffer.alloc(14);
  private headerLength = 0;
  private inPayload = false;
  private opcode = 0;
  private remaining = 0;
  private payloadLength = 0;
  private head = Buffer.alloc(0);
  private headFilled = 0;

  /** `headBytes`: how much of each payload to keep (a client that decodes whole frames keeps them whole). */
  constructor(
    private readonly onFrame: FrameSink,
    private readonly headBytes = HEAD_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (!this.inPayload) {
        off = this.readHeader(chunk, off);
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - off);
      if (this.headFilled < this.head.length) {
        const take = Math.min(n, this.head.length - this.headFilled);
        chunk.copy(this.head, this.headFilled, off, off + take);
        this.headFilled += take;
      }
      off += n;
      this.remaining -= n;
      if (this.remaining === 0) this.finish();
    }
  }

  /** Copies header bytes until the header is whole; returns the new offset. */
  private readHeader(chunk: Buffer, off: number): number {
    while (off < chunk.length) {
      this.header[this.headerLength++] = chunk[off++]!;
      const need = this.headerNeeds();
      if (need !== undefined && this.headerLength === need) {
        this.startPayload();
        break;
      }
    }
    return off;
  }

  /** Total header length once known from the bytes so far, else undefined. */
  private headerNeeds(): number | undefined {
    if (this.headerLength < 2) return undefined;
    const b1 = this.header[1]!;
    if (b1 & 0x80) throw new UnexpectedFrame('masked frame from a server');
    const len7 = b1 & 0x7f;
    return len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
  }

  private startPayload(): void {
    const b0 = this.header[0]!;
    if ((b0 & 0x80) === 0) throw new UnexpectedFrame('fragmented frame');
    this.opcode = b0 & 0x0f;
    const len7 = this.header[1]! & 0x7f;
    this.payloadLength =
      len7 < 126 ? len7 : len7 === 126 ? this.header.readUInt16BE(2) : Number(this.header.readBigUInt64BE(2));
    this.remaining = this.payloadLength;
    this.head = Buffer.allocUnsafe(Math.min(this.headBytes, this.payloadLength));
    this.headFilled = 0;
    this.headerLength = 0;
    this.inPayload = true;
    if (this.remaining === 0) this.finish();
  }

  private finish(): void {
    this.inPayload = false;
    this.onFrame(this.opcode, this.payloadLength, this.head);
  }
}

/** A client frame (clients must mask what they send). */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new RangeError('client frames of the bench are small');
  const mask = randomBytes(4);
  const out = Buffer.allocUnsafe(6 + payload.length);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

/** What the bench reads from a frame's head: the message type and, for list messages, `ts` in epoch ms. */
export function readHead(head: Buffer): { type: string | undefined; tsMs: number | undefined } {
  const text = head.toString('latin1');
  const type = /^\{"type":"(\w+)"/.exec(text)?.[1];
  const at = text.indexOf('"ts":"');
  const tsMs = at < 0 ? undefined : Date.parse(text.slice(at + 6, at + 30));
  return { type, tsMs: tsMs !== undefined && Number.isFinite(tsMs) ? tsMs : undefined };
}

/**
 * The type and `ts` of `scanner.deflate.v1` binary frames for a load generator (docs/performance.md, Method):
 * every client gets the same bytes for the same message, so the head of a frame is inflated once (partially:
 * the first HEAD_BYTES compressed bytes give the first ≈ 150+ characters, which hold `type` and `ts`) and
 * remembered for the other clients. Inflating every frame of ten thousand clients would take the server's CPU.
 */
export class DeflatedHeads {
  private readonly seen = new Map<string, { type: string | undefined; tsMs: number | undefined }>();

  read(head: Buffer, payloadLength: number): { type: string | undefined; tsMs: number | undefined } {
    const key = `${payloadLength}:${head.toString('latin1', 0, Math.min(head.length, HEAD_BYTES))}`;
    let found = this.seen.get(key);
    if (!found) {
      const text = zlib.inflateRawSync(head.subarray(0, HEAD_BYTES), {
        dictionary: deflateDictionaryV1(),
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
      found = readHead(text);
      // Bounded: old messages are not seen again.
      if (this.seen.size > 10_000) this.seen.clear();
      this.seen.set(key, found);
    }
    return found;
  }
}
