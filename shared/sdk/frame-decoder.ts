import { DEFLATE_V1_PROTOCOL, deflateDictionaryV1 } from '../protocol/deflate-dictionary.js';

/*
 * The SDK's side of the encodings (docs/gateway.md "Encodings"): with `encoding: 'deflate'` it offers
 * `scanner.deflate.v1`, and each BINARY frame is a list message's JSON text deflated (raw DEFLATE) with the v1
 * preset dictionary; text frames are JSON as always. Inflating needs zlib with a preset dictionary, which the
 * browser's DecompressionStream does not take: in Node (≥ 20.16) the SDK uses node:zlib by itself, elsewhere the
 * application passes one (e.g. pako's `inflateRaw(data, { dictionary })`).
 */

export type Encoding = 'json' | 'deflate';

/** Raw-inflates `data` with `dictionary` as the preset history; returns the inflated bytes. */
export type InflateRaw = (data: Uint8Array, dictionary: Uint8Array) => Uint8Array;

interface NodeZlib {
  inflateRawSync(data: Uint8Array, options: { dictionary: Uint8Array }): Uint8Array;
}

/**
 * node:zlib's raw inflate when the runtime is Node with `process.getBuiltinModule` (20.16+), else undefined.
 * Looked up at run time, not imported, so that the SDK loads in a browser and a bundler pulls in nothing.
 */
export function builtinInflateRaw(): InflateRaw | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = proc?.getBuiltinModule?.('node:zlib') as NodeZlib | undefined;
  if (!zlib) return undefined;
  return (data, dictionary) => zlib.inflateRawSync(data, { dictionary });
}

/** Turns a frame's `data` into a message's JSON text, for the encoding the client asked for. */
export class FrameDecoder {
  /** The subprotocols to offer (none for JSON: a gateway from before the encodings then accepts it as ever). */
  readonly protocols: readonly string[];
  private readonly inflate: InflateRaw | undefined;
  private readonly utf8 = new TextDecoder();

  constructor(encoding: Encoding, inflateRaw?: InflateRaw) {
    this.protocols = encoding === 'deflate' ? [DEFLATE_V1_PROTOCOL] : [];
    if (encoding !== 'deflate') return;
    this.inflate = inflateRaw ?? builtinInflateRaw();
    if (!this.inflate)
      throw new TypeError(
        "encoding 'deflate' needs zlib with a preset dictionary: pass inflateRaw (Node 20.16+ has its own)",
      );
  }

  /** The JSON text of a frame; throws (with a reason) for a frame that is neither text nor ours. */
  text(data: unknown): string {
    if (typeof data === 'string') return data;
    if (!this.inflate) throw new Error('binary frame');
    const bytes = toBytes(data);
    if (!bytes) throw new Error('binary frame of an unknown kind (set binaryType to "arraybuffer")');
    return this.utf8.decode(this.inflate(bytes, deflateDictionaryV1()));
  }
}

/** A binary frame's bytes: an ArrayBuffer (browsers, `ws` with binaryType arraybuffer) or a view (a Buffer). */
function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
