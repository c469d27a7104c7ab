import zlib from 'node:zlib';
import {
  DEFLATE_V1_PROTOCOL,
  deflateDictionaryV1,
  JSON_V1_PROTOCOL,
} from '../shared/protocol/deflate-dictionary.js';
import type { SnapshotMessage } from '../shared/protocol/messages.js';

/*
 * The encodings of list messages a client can ask for with `Sec-WebSocket-Protocol` (docs/gateway.md
 * "Encodings"):
 *
 * - none, or `scanner.json.v1`: every message a JSON text frame (SPEC §8), the default;
 * - `scanner.deflate.v1`: list messages (snapshot, delta) as BINARY frames holding the raw DEFLATE (RFC 1951) of
 *   the exact JSON text JSON clients get, with the v1 preset dictionary; every other message stays a JSON text
 *   frame.
 *
 * Why not permessage-deflate: uWS compresses it per socket per send (≈ 0.8 ms CPU/s per client, one core per
 * ≈ 1,200 clients). Here each list message is deflated ONCE per gateway and the same bytes go to every deflate
 * client; the dictionary makes up for the history a per-message compressor lacks (bench/deflate-dictionary.bench.ts:
 * 12.98 KB/s per client on every list against 49.9 KB/s of JSON and 15.71 KB/s deflated without it).
 */

export type Encoding = 'json' | 'deflate';

const PROTOCOL_ENCODINGS: ReadonlyMap<string, Encoding> = new Map([
  [JSON_V1_PROTOCOL, 'json'],
  [DEFLATE_V1_PROTOCOL, 'deflate'],
]);

/** The subprotocols the gateway speaks, in the order the refusal names them. */
export const SUBPROTOCOLS: readonly string[] = [...PROTOCOL_ENCODINGS.keys()];

export type Negotiated =
  | {
      readonly ok: true;
      readonly encoding: Encoding;
      /** The subprotocol the 101 names ('' = none). */
      readonly protocol: string;
    }
  | { readonly ok: false; readonly message: string };

/**
 * The encoding for a `Sec-WebSocket-Protocol` request header: the client's first offer the gateway speaks (RFC
 * 6455 lets the server pick one of the offers; the client lists them in its order of preference). No header →
 * JSON with no subprotocol (every client before the encodings). Offers of which none is spoken are refused: the
 * server may not answer with a protocol that was not offered, and answering none would make browsers and `ws`
 * fail the handshake with no reason given; a 400 that names the supported ones is clearer.
 */
export function negotiateEncoding(header: string): Negotiated {
  const offers = header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (offers.length === 0) return { ok: true, encoding: 'json', protocol: '' };
  for (const offer of offers) {
    const encoding = PROTOCOL_ENCODINGS.get(offer);
    if (encoding) return { ok: true, encoding, protocol: offer };
  }
  return {
    ok: false,
    message: `no supported subprotocol offered; this gateway speaks ${SUBPROTOCOLS.join(', ')}`,
  };
}

/** zlib's default level: level 9 saves 0.2 % more for 7 % more CPU, level 1 costs 10 % more bytes (bench). */
const DEFLATE_LEVEL = 6;

/** A JSON text deflated as `scanner.deflate.v1` sends it (raw DEFLATE, v1 dictionary). */
export function deflateFrame(json: string): Buffer {
  return zlib.deflateRawSync(json, { level: DEFLATE_LEVEL, dictionary: deflateDictionaryV1() });
}

/** The JSON text of a `scanner.deflate.v1` binary frame. Throws on bytes that are not one. */
export function inflateFrame(frame: Uint8Array): string {
  return zlib.inflateRawSync(frame, { dictionary: deflateDictionaryV1() }).toString('utf8');
}

/**
 * Each list's current snapshot deflated, kept until the snapshot changes: subscribes and resyncs (and conflated
 * clients resuming, 11 lists each) reuse it, so a burst of them costs one compression per list, not one per
 * client. A snapshot that arrived from the stream is stored as it was published (already deflated once).
 */
export class DeflatedSnapshots {
  /** By topic: a scan list has one per name its clients gave it (the JSON differs by the name). */
  private readonly held = new Map<string, { msg: SnapshotMessage; frame: Buffer }>();

  /** The frame of `snap` (the feed's current snapshot object and the JSON sent on `topic`), deflated at most once. */
  frame(topic: string, snap: { msg: SnapshotMessage; json: string }): Buffer {
    const h = this.held.get(topic);
    if (h?.msg === snap.msg) return h.frame;
    const frame = deflateFrame(snap.json);
    this.held.set(topic, { msg: snap.msg, frame });
    return frame;
  }

  /** A snapshot deflated on its way through (published to `topic`). */
  remember(topic: string, msg: SnapshotMessage, frame: Buffer): void {
    this.held.set(topic, { msg, frame });
  }

  /** Nobody follows `topic` any more. */
  forget(topic: string): void {
    this.held.delete(topic);
  }

  /** Lists with a frame held (for tests: one per list at most). */
  get size(): number {
    return this.held.size;
  }
}
