import { describe, expect, expectTypeOf, it } from 'vitest';
import { stringContaining } from '../../test/utils/matchers.js';
import { parseWsEvent, parseWsFrame } from './aggregate-schema.js';
import type { WsEvent } from './aggregate-schema.js';
import { VendorPayloadError } from './errors.js';

describe('WebSocket frames', () => {
  it('parse every handshake and status array the vendor sends (docs/vendor.md §2.2)', () => {
    const frames = [
      '[{"ev":"status","status":"connected","message":"Connected Successfully"}]',
      '[{"ev":"status","status":"auth_success","message":"authenticated"}]',
      '[{"ev":"status","status":"success","message":"subscribed to: AM.AAPL"}]',
      '[{"ev":"status","status":"success","message":"subscribed to: A.MSFT"}]',
      '[{"ev":"status","status":"success","message":"subscribed to: T.*"}]',
      '[{"ev":"status","status":"success","message":"unsubscribed to: AM.AAPL"}]',
      '[{"ev":"status","status":"auth_failed","message":"authentication failed"}]',
      '[{"ev":"status","status":"auth_timeout","message":"No authentication request received."}]',
      '[{"ev":"status","status":"max_connections","message":"Maximum number of connections exceeded."}]',
      '[{"ev":"status","status":"error","message":"not authorized"}]',
    ];
    for (const frame of frames) {
      const { events, rejected } = parseWsFrame(frame);
      expect(rejected).toEqual([]);
      expect(events).toEqual(JSON.parse(frame));
    }
  });

  it('parse the official AM and A examples of §2.3 with every field', () => {
    const am =
      '{"ev":"AM","sym":"GTE","v":4110,"av":9470157,"op":0.4372,"vw":0.4488,"o":0.4488,"c":0.4486,"h":0.4489,"l":0.4486,"a":0.4352,"z":685,"s":1610144640000,"e":1610144700000}';
    const a =
      '{"ev":"A","sym":"SPCE","v":200,"av":8642007,"op":25.66,"vw":25.3981,"o":25.39,"c":25.39,"h":25.39,"l":25.39,"a":25.3714,"z":50,"s":1610144868000,"e":1610144869000}';
    const { events, rejected } = parseWsFrame(`[${am},${a}]`);
    expect(rejected).toEqual([]);
    expect(events).toEqual([JSON.parse(am), JSON.parse(a)]);
  });

  it('accept the optional otc, dv and dav keys of a live aggregate', () => {
    const { events, rejected } = parseWsFrame(
      '[{"ev":"A","sym":"X","v":4989,"dv":"4989.0","av":4332125,"dav":"4332125.038360","op":1,"vw":1,"o":1,"c":1,"h":1,"l":1,"a":1,"z":1,"s":1000,"e":2000,"otc":true}]',
    );
    expect(rejected).toEqual([]);
    expect(events[0]).toMatchObject({ dv: '4989.0', dav: '4332125.038360', otc: true });
  });

  it('tolerate an aggregate without av, op, vw, a or z but reject one without its close', () => {
    const { events, rejected } = parseWsFrame(
      '[{"ev":"AM","sym":"X","v":1,"o":1,"c":2,"h":2,"l":1,"s":60000,"e":120000},{"ev":"AM","sym":"Y","v":1,"o":1,"h":2,"l":1,"s":60000,"e":120000}]',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ev: 'AM', sym: 'X', c: 2 });
    expect(rejected).toEqual([{ index: 1, reason: stringContaining('AM c:') }]);
  });

  it('parse a mixed array of trades, quotes and an aggregate, with and without trade conditions', () => {
    const frame = JSON.stringify([
      {
        ev: 'T',
        sym: 'AMZN',
        i: '72815',
        x: 12,
        p: 161.87,
        s: 1,
        c: [14, 37, 41],
        t: 1651684192536,
        q: 4009408,
        z: 3,
      },
      { ev: 'T', sym: 'AMZN', i: '799', x: 4, p: 161.87, s: 100, t: 1651684192717, q: 4009434, z: 3 },
      {
        ev: 'Q',
        sym: 'MSFT',
        bx: 4,
        bp: 114.125,
        bs: 100,
        ax: 7,
        ap: 114.128,
        as: 160,
        c: 0,
        i: [604],
        t: 1536036818784,
        q: 50385480,
        z: 3,
      },
      {
        ev: 'A',
        sym: 'SPCE',
        v: 200,
        av: 8642007,
        op: 25.66,
        vw: 25.3981,
        o: 25.39,
        c: 25.39,
        h: 25.39,
        l: 25.39,
        a: 25.3714,
        z: 50,
        s: 1610144868000,
        e: 1610144869000,
      },
    ]);
    const { events, rejected } = parseWsFrame(frame);
    expect(rejected).toEqual([]);
    expect(events.map((e) => e.ev)).toEqual(['T', 'T', 'Q', 'A']);
  });

  it('keep an event type it does not know as unknown, so it is counted rather than fatal', () => {
    const { events, rejected } = parseWsFrame(
      JSON.stringify([
        { ev: 'LULD', T: 'MSFT', h: 218.96, l: 198.11, i: [21], z: 3, t: 1601316752683746, q: 290317 },
        { ev: 'FMV', fmv: 189.22, sym: 'AAPL', t: 1678220098130 },
        { ev: 'XYZ', anything: [1, 2] },
      ]),
    );
    expect(rejected).toEqual([]);
    expect(events.map((e) => (e.ev === 'unknown' ? e.vendorEv : e.ev))).toEqual(['LULD', 'FMV', 'XYZ']);
    expect(events[2]).toEqual({ ev: 'unknown', vendorEv: 'XYZ', raw: { ev: 'XYZ', anything: [1, 2] } });
  });

  it('reject a bad element with its index and a reason while keeping the others', () => {
    const { events, rejected } = parseWsFrame(
      JSON.stringify([
        { ev: 'status', status: 'success', message: 'subscribed to: AM.*' },
        { ev: 'AM', sym: 'X', v: 1, o: 1, c: 'abc', h: 1, l: 1, s: 0, e: 60000 },
        'AM.X',
        null,
        { sym: 'NOEV' },
        { ev: 'T', sym: 'X', p: 1, s: 1, t: 1651684192536 },
      ]),
    );
    expect(events.map((e) => e.ev)).toEqual(['status', 'T']);
    expect(rejected.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(rejected[0]?.reason).toMatch(/^AM c: .*expected number/);
    expect(rejected[1]?.reason).toBe('not an object (string)');
    expect(rejected[2]?.reason).toBe('not an object (null)');
    expect(rejected[3]?.reason).toBe('ev: missing or not a string');
  });

  it('treat an empty array as a frame with no events', () => {
    expect(parseWsFrame('[]')).toEqual({ events: [], rejected: [] });
  });

  it('throw VendorPayloadError on invalid JSON or a frame that is not an array', () => {
    for (const text of [
      '[{"ev":"AM"',
      '',
      'not json',
      '{"ev":"status","status":"connected"}',
      'null',
      '"x"',
      '42',
    ]) {
      let caught: unknown;
      try {
        parseWsFrame(text);
      } catch (error) {
        caught = error;
      }
      expect(caught, text).toBeInstanceOf(VendorPayloadError);
      expect(caught, text).toBeInstanceOf(Error);
      expect((caught as Error).name).toBe('VendorPayloadError');
    }
  });

  it('let a switch on ev narrow each event type', () => {
    const result = parseWsEvent({ ev: 'AM', sym: 'X', v: 1, o: 1, c: 2, h: 2, l: 1, s: 0, e: 60000 });
    if (!result.ok) throw new Error(result.reason);
    const event: WsEvent = result.event;
    switch (event.ev) {
      case 'A':
      case 'AM':
        expectTypeOf(event.c).toEqualTypeOf<number>();
        expectTypeOf(event.av).toEqualTypeOf<number | undefined>();
        break;
      case 'status':
        expectTypeOf(event.status).toEqualTypeOf<string>();
        break;
      case 'T':
        expectTypeOf(event.p).toEqualTypeOf<number>();
        break;
      case 'Q':
        expectTypeOf(event.bp).toEqualTypeOf<number>();
        break;
      case 'unknown':
        expectTypeOf(event.vendorEv).toEqualTypeOf<string>();
        break;
    }
    expect(event.ev).toBe('AM');
  });
});
