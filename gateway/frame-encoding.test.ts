import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  DEFLATE_V1_PROTOCOL,
  deflateDictionaryV1,
  JSON_V1_PROTOCOL,
} from '../shared/protocol/deflate-dictionary.js';
import type { ListMessage, ServerMessage, SnapshotMessage } from '../shared/protocol/messages.js';
import { LIST_NAMES, type ListName } from '../shared/scan/lists.js';
import { GatewayFixture, row, rows, type Gateway } from '../test/utils/gateway-fixture.js';
import { waitFor } from '../test/utils/wait.js';
import { advanceSnapshot } from '../shared/protocol/advance.js';
import { DeflatedSnapshots, deflateFrame, inflateFrame, negotiateEncoding } from './frame-encoding.js';

describe('negotiateEncoding (Sec-WebSocket-Protocol)', () => {
  it('gives JSON with no subprotocol to a client that offers none', () => {
    expect(negotiateEncoding('')).toEqual({ ok: true, encoding: 'json', protocol: '' });
  });

  it("picks the client's first offer the gateway speaks, and echoes it", () => {
    expect(negotiateEncoding(`${DEFLATE_V1_PROTOCOL}`)).toEqual({
      ok: true,
      encoding: 'deflate',
      protocol: DEFLATE_V1_PROTOCOL,
    });
    expect(negotiateEncoding(`x.v9, ${JSON_V1_PROTOCOL} ,${DEFLATE_V1_PROTOCOL}`)).toEqual({
      ok: true,
      encoding: 'json',
      protocol: JSON_V1_PROTOCOL,
    });
  });

  it('refuses offers of which none is spoken, naming the ones that are', () => {
    const r = negotiateEncoding('scanner.deflate.v2, chat');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(DEFLATE_V1_PROTOCOL);
  });
});

describe('DeflatedSnapshots', () => {
  it('deflates a list snapshot once and reuses it until the snapshot changes', () => {
    const cache = new DeflatedSnapshots();
    const msg: SnapshotMessage = {
      type: 'snapshot',
      list: 'winners',
      epoch: 'e',
      seq: 1,
      prevSeq: 0,
      ts: 't',
      rows: [],
    };
    const snap = { msg, json: JSON.stringify(msg) };
    const first = cache.frame('winners', snap);
    expect(cache.frame('winners', { ...snap })).toBe(first);
    const next = { ...msg, seq: 2 };
    const second = cache.frame('winners', { msg: next, json: JSON.stringify(next) });
    expect(second).not.toBe(first);
    expect(inflateFrame(second)).toBe(JSON.stringify(next));
    expect(cache.size).toBe(1);
  });
});

/** A real client that keeps every frame as it came: text, or binary inflated back to JSON text. */
class FrameClient {
  readonly frames: { binary: boolean; text: string }[] = [];
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.frames.push({ binary: isBinary, text: isBinary ? inflateFrame(data) : data.toString('utf8') });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static open(g: Gateway, protocols: string[] = [], perMessageDeflate = false): Promise<FrameClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${g.port}/ws`, protocols, { perMessageDeflate });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FrameClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(new Error(`HTTP ${res.statusCode} ${body}`)));
      });
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  messages(): ServerMessage[] {
    return this.frames.map((f) => JSON.parse(f.text) as ServerMessage);
  }

  /** The JSON texts of list messages, in order (as received: binary or text). */
  listTexts(list?: ListName): string[] {
    return this.frames
      .filter((f) => {
        const m = JSON.parse(f.text) as ServerMessage;
        return (m.type === 'snapshot' || m.type === 'delta') && (list === undefined || m.list === list);
      })
      .map((f) => f.text);
  }

  async waitFor(pred: (m: ServerMessage) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.messages().some(pred), { timeoutMs, what });
  }

  async ping(id: number): Promise<void> {
    this.send({ op: 'ping', id });
    await this.waitFor((m) => m.type === 'pong' && m.id === id, `pong ${id}`);
  }

  close(): void {
    this.ws.terminate();
  }
}

const isList = (list: ListName, seq: number) => (m: ServerMessage) =>
  (m.type === 'snapshot' || m.type === 'delta') && m.list === list && m.seq === seq;

describe('the scanner.deflate.v1 encoding on a real gateway', () => {
  let fx: GatewayFixture;
  const clients: FrameClient[] = [];
  const open = async (
    g: Gateway,
    protocols: string[] = [],
    perMessageDeflate = false,
  ): Promise<FrameClient> => {
    const c = await FrameClient.open(g, protocols, perMessageDeflate);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    fx = new GatewayFixture();
    await fx.market.scan({ gappers_up: rows(['AAA', 'BBB', 'CCC']), winners: rows(['WIN']) });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await fx.cleanup();
  });

  it('sends a deflate client and a JSON client the same list messages, byte for byte once inflated', async () => {
    const g = await fx.start({ heartbeatMs: 200 });
    const json = await open(g);
    const deflate = await open(g, [DEFLATE_V1_PROTOCOL]);
    expect(deflate.ws.protocol).toBe(DEFLATE_V1_PROTOCOL);
    expect(json.ws.protocol).toBe('');
    for (const c of [json, deflate]) c.send({ op: 'subscribe', lists: ['gappers_up', 'winners'] });
    for (const c of [json, deflate]) await c.waitFor(isList('winners', 1), 'the winners snapshot');
    const sequences = [
      ['BBB', 'AAA', 'CCC'],
      ['BBB', 'DDD'],
      ['EEE', 'DDD', 'AAA'],
    ];
    for (const [i, symbols] of sequences.entries())
      await fx.market.scan({ gappers_up: rows(symbols, i + 1), winners: rows(['WIN', symbols[0]!], i + 1) });
    // Both clients have every scan before the resync, so both get the same (the last) snapshot.
    for (const c of [json, deflate]) await c.waitFor(isList('winners', 4), 'the last winners delta');
    // Resync: the snapshot comes from the deflated-snapshot cache, a late deflate subscriber's too.
    for (const c of [json, deflate]) c.send({ op: 'resync', list: 'gappers_up' });
    const late = await open(g, [DEFLATE_V1_PROTOCOL]);
    late.send({ op: 'subscribe', lists: ['gappers_up'] });
    for (const c of [json, deflate]) {
      await c.ping(1);
      await c.waitFor((m) => m.type === 'heartbeat', 'a heartbeat');
    }
    await late.waitFor(isList('gappers_up', 4), "the late client's snapshot");

    expect(deflate.listTexts()).toEqual(json.listTexts());
    expect(json.listTexts('gappers_up').map((t) => (JSON.parse(t) as ListMessage).seq)).toEqual([
      1, 2, 3, 4, 4,
    ]);
    expect(late.listTexts('gappers_up')).toEqual(json.listTexts('gappers_up').slice(-1));
    // The one rule: list messages binary, everything else text.
    for (const f of deflate.frames) {
      const type = (JSON.parse(f.text) as ServerMessage).type;
      expect([type, f.binary]).toEqual([type, type === 'snapshot' || type === 'delta']);
    }
    expect(json.frames.every((f) => !f.binary)).toBe(true);

    const metrics = await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text();
    for (const encoding of ['json', 'deflate']) {
      const line = new RegExp(`^scanner_gateway_list_bytes_total\\{encoding="${encoding}"\\} (\\d+)`, 'm');
      expect(Number(line.exec(metrics)?.[1] ?? 0), encoding).toBeGreaterThan(0);
    }
  });

  it('answers scanner.json.v1 with JSON and refuses a client offering only protocols it does not speak', async () => {
    const g = await fx.start();
    const named = await open(g, [JSON_V1_PROTOCOL]);
    expect(named.ws.protocol).toBe(JSON_V1_PROTOCOL);
    named.send({ op: 'subscribe', lists: ['winners'] });
    await named.waitFor(isList('winners', 1), 'the winners snapshot');
    expect(named.frames.every((f) => !f.binary)).toBe(true);

    const refused = FrameClient.open(g, ['scanner.deflate.v2']);
    await expect(refused).rejects.toThrow(/HTTP 400 .*unsupported_protocol.*scanner\.deflate\.v1/);
    const metrics = await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text();
    expect(metrics).toMatch(/^scanner_gateway_refused_upgrades_total\{reason="protocol"\} 1$/m);
  });

  it('works next to permessage-deflate (GATEWAY_COMPRESSION=shared) for a client that offers both', async () => {
    const g = await fx.start({ compression: 'shared' });
    const json = await open(g, [], true);
    const both = await open(g, [DEFLATE_V1_PROTOCOL], true);
    expect(both.ws.extensions).toContain('permessage-deflate');
    for (const c of [json, both]) c.send({ op: 'subscribe', lists: ['gappers_up'] });
    await fx.market.scan({ gappers_up: rows(['BBB', 'AAA'], 1) });
    for (const c of [json, both]) {
      await c.waitFor(isList('gappers_up', 2), 'the delta');
      await c.ping(7);
    }
    expect(both.listTexts()).toEqual(json.listTexts());
    expect(both.frames.filter((f) => f.binary).length).toBe(2);
  });

  it('serves the dictionary a client in another language inflates with, without a token', async () => {
    const g = await fx.start({ tokens: ['secret'] });
    const res = await fetch(`http://127.0.0.1:${g.port}/api/protocol/deflate-dictionary.v1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(deflateDictionaryV1());
  });

  it('treats a binary frame from a deflate client as any bad input: an error, then a close when repeated', async () => {
    const g = await fx.start();
    const c = await open(g, [DEFLATE_V1_PROTOCOL]);
    // Even the deflate of a valid request: clients speak JSON text.
    c.ws.send(deflateFrame(JSON.stringify({ op: 'subscribe', lists: ['*'] })));
    await c.waitFor((m) => m.type === 'error' && m.code === 'bad_request', 'the bad_request error');
    for (let i = 0; i < 4; i++) c.ws.send(Buffer.from([0xff, 0x00, i]));
    expect(await c.closed).toBe(1008);
    expect(c.frames.every((f) => !f.binary)).toBe(true);
  });

  it('conflates a slow deflate client and resumes it with deflated snapshots, ending where JSON does', async () => {
    const g = await fx.start({ maxBackpressureBytes: 256 * 1024, slowConsumerTimeoutMs: 30_000 });
    const json = await open(g);
    const slow = await open(g, [DEFLATE_V1_PROTOCOL]);
    for (const c of [json, slow]) c.send({ op: 'subscribe', lists: ['*'] });
    for (const c of [json, slow]) await c.waitFor(isList('winners', 1), 'the winners snapshot');
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    // Incompressible rows (a random name each), so that the deflated frames fill the buffer too.
    const symbols = Array.from({ length: 40 }, (_, i) => `S${i}`);
    const noise = (): string =>
      Array.from({ length: 120 }, () => Math.random().toString(36).slice(2)).join('');
    let seq = 1;
    const scan = async (step: number): Promise<void> => {
      await fx.market.scan(
        Object.fromEntries(
          LIST_NAMES.map((l) => [
            l,
            symbols.map((sym, i) => row(sym, i + 1, step, { companyName: noise() })),
          ]),
        ),
      );
      seq++;
    };
    const conflated = async (): Promise<boolean> =>
      /^scanner_gateway_conflations_total [1-9]/m.test(
        await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text(),
      );
    for (let step = 1; step <= 40 && !(await conflated()); step++) await scan(step);
    await waitFor(conflated, { what: 'the conflation', timeoutMs: 10_000 });
    // Two scans it is not sent at all (off its topics), then it reads again.
    await scan(41);
    await scan(42);
    socket.resume();
    await json.waitFor(isList('winners', seq), 'the last winners delta on JSON');
    await slow.waitFor(isList('winners', seq), 'the fresh winners snapshot', 20_000);
    await slow.ping(1);

    // Each client's messages of each list, applied in order: never out of step, ending on the same snapshot.
    const held = (c: FrameClient, l: ListName): SnapshotMessage | undefined =>
      c.listTexts(l).reduce<SnapshotMessage | undefined>((h, text) => {
        const next = advanceSnapshot(h, JSON.parse(text) as ListMessage);
        expect(next, l).not.toBe('gap');
        return next === 'stale' || next === 'gap' ? h : next;
      }, undefined);
    for (const l of LIST_NAMES) {
      expect(held(slow, l)?.seq, l).toBe(seq);
      expect(held(slow, l)).toEqual(held(json, l));
    }
    // It skipped deltas (conflation) and got every list's snapshot when it drained, deflated like the rest.
    const snapshots = slow.frames.filter((f) => (JSON.parse(f.text) as ServerMessage).type === 'snapshot');
    expect(snapshots.every((f) => f.binary)).toBe(true);
    expect(snapshots.length).toBeGreaterThanOrEqual(2 * LIST_NAMES.length);
    const skipped = LIST_NAMES.some((l) =>
      slow
        .listTexts(l)
        .map((t) => JSON.parse(t) as ListMessage)
        .some((m, i, all) => i > 0 && m.type === 'snapshot' && m.seq > all[i - 1]!.seq + 1),
    );
    expect(skipped).toBe(true);
  }, 60_000);
});
