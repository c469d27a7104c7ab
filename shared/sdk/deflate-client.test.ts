import zlib from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { onCleanup } from '../../test/utils/cleanup.js';
import { GatewayFixture, rows, type Gateway } from '../../test/utils/gateway-fixture.js';
import { waitFor } from '../../test/utils/wait.js';
import { DEFLATE_V1_PROTOCOL, deflateDictionaryV1 } from '../protocol/deflate-dictionary.js';
import type { ListMessage } from '../protocol/messages.js';
import type { ListName } from '../scan/lists.js';
import { FrameDecoder, type InflateRaw } from './frame-decoder.js';
import { ListClient, type ListClientError, type ListClientOptions } from './list-client.js';
import type { SocketConstructor, SocketLike } from './socket.js';

const FAST_BACKOFF = { initialMs: 20, maxMs: 200 };

describe('FrameDecoder', () => {
  const json = '{"type":"pong","id":1}';

  it('passes text frames through and refuses binary ones when JSON was asked for', () => {
    const d = new FrameDecoder('json');
    expect(d.protocols).toEqual([]);
    expect(d.text(json)).toBe(json);
    expect(() => d.text(new ArrayBuffer(3))).toThrow('binary frame');
  });

  it('offers scanner.deflate.v1 and inflates an ArrayBuffer or a Buffer with the v1 dictionary', () => {
    const d = new FrameDecoder('deflate');
    expect(d.protocols).toEqual([DEFLATE_V1_PROTOCOL]);
    const frame = zlib.deflateRawSync(json, { dictionary: deflateDictionaryV1() });
    const copy = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
    expect(d.text(copy)).toBe(json);
    expect(d.text(frame)).toBe(json);
    expect(d.text(json)).toBe(json);
    expect(() => d.text(Buffer.from([1, 2, 3]))).toThrow();
    expect(() => d.text({ size: 3 })).toThrow('unknown kind');
  });

  it("uses the application's inflateRaw when given one", () => {
    const calls: number[] = [];
    const inflate: InflateRaw = (data, dictionary) => {
      calls.push(dictionary.length);
      return zlib.inflateRawSync(data, { dictionary });
    };
    const d = new FrameDecoder('deflate', inflate);
    expect(d.text(zlib.deflateRawSync(json, { dictionary: deflateDictionaryV1() }))).toBe(json);
    expect(calls).toEqual([deflateDictionaryV1().length]);
  });
});

/** `ws` that records the subprotocols the SDK offered and the binaryType it set. */
function recordingSocket(
  offered: (string[] | undefined)[],
  binaryTypes: (string | undefined)[],
): SocketConstructor {
  return class extends WebSocket implements SocketLike {
    constructor(url: string, protocols?: string[]) {
      super(url, protocols);
      offered.push(protocols);
      queueMicrotask(() => binaryTypes.push(this.binaryType));
    }
  };
}

describe('ListClient with encoding deflate against a real gateway', () => {
  let fx: GatewayFixture;
  const url = (g: Gateway) => `ws://127.0.0.1:${g.port}/ws`;
  function open(options: Omit<ListClientOptions, 'url'> & { g: Gateway }) {
    const applied: ListMessage[] = [];
    const errors: ListClientError[] = [];
    const client = new ListClient({ WebSocket, backoff: FAST_BACKOFF, url: url(options.g), ...options });
    client.onList((_l, _r, msg) => applied.push(msg));
    client.onError((e) => errors.push(e));
    onCleanup(() => client.stop());
    client.start();
    return { client, applied, errors };
  }
  const holds = (client: ListClient, list: ListName, symbols: string[], seq: number) =>
    waitFor(
      () => {
        expect(client.rows(list).map((r) => r.symbol)).toEqual(symbols);
        expect(client.snapshot(list)?.seq).toBe(seq);
      },
      { timeoutMs: 5000, intervalMs: 10 },
    );

  beforeEach(async () => {
    const fixture = new GatewayFixture();
    fx = fixture;
    onCleanup(() => fixture.cleanup());
    await fx.market.scan({ gappers_up: rows(['AAA', 'BBB', 'CCC']), winners: rows(['WIN']) });
  });

  it('holds the same rows as a JSON client through snapshots and deltas, offering the subprotocol', async () => {
    const g = await fx.start();
    const offered: (string[] | undefined)[] = [];
    const binaryTypes: (string | undefined)[] = [];
    const deflate = open({ g, encoding: 'deflate', WebSocket: recordingSocket(offered, binaryTypes) });
    const json = open({ g });
    for (const c of [deflate, json]) await holds(c.client, 'gappers_up', ['AAA', 'BBB', 'CCC'], 1);
    await fx.market.scan({ gappers_up: rows(['CCC', 'DDD', 'AAA'], 1), winners: rows(['WIN', 'AAA'], 1) });
    await fx.market.scan({ gappers_up: rows(['DDD', 'AAA'], 2) });
    for (const c of [deflate, json]) {
      await holds(c.client, 'gappers_up', ['DDD', 'AAA'], 3);
      await holds(c.client, 'winners', ['WIN', 'AAA'], 2);
    }
    expect(deflate.client.rows('gappers_up')).toEqual(json.client.rows('gappers_up'));
    expect(deflate.client.rows('winners')).toEqual(json.client.rows('winners'));
    expect(deflate.applied).toEqual(json.applied);
    expect(deflate.errors).toEqual([]);
    expect(offered).toEqual([[DEFLATE_V1_PROTOCOL]]);
    expect(binaryTypes).toEqual(['arraybuffer']);
  });
});
