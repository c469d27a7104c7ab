import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LIST_NAMES } from '../scan/lists.js';
import { SESSIONS } from '../scan/sessions.js';
import {
  ANNOUNCED_ROW_FIELDS_V1,
  deflateDictionaryV1,
  deflateDictionaryV1Text,
  ROW_FIELDS_V1,
} from './deflate-dictionary.js';
import { RVOL_STATES, scanRowSchema } from './messages.js';

describe('the scanner.deflate.v1 preset dictionary', () => {
  it('has fixed bytes: changing them needs a new subprotocol version (scanner.deflate.v2), not an edit', () => {
    const bytes = deflateDictionaryV1();
    expect(bytes.length).toBe(3413);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      '8c125510be5f4595e83a4fb0b10487b0a3fe5cd967711e554b5970cb33aebc54',
    );
  });

  it('is built the same way every time, as ASCII text within the 32 KiB DEFLATE can reach back', () => {
    expect(deflateDictionaryV1Text()).toBe(deflateDictionaryV1Text());
    expect(Buffer.from(deflateDictionaryV1()).toString('latin1')).toBe(deflateDictionaryV1Text());
    expect(/^[\x20-\x7e]*$/.test(deflateDictionaryV1Text())).toBe(true);
    expect(deflateDictionaryV1().length).toBeLessThanOrEqual(32 * 1024);
  });

  it("names the wire row's fields in the order rows are written, every list, session and RVOL state", () => {
    const rowKeys = Object.keys(scanRowSchema.shape);
    // v1's fields are still row fields, in the row's order (a renamed field would silently cost its bytes).
    expect(rowKeys.filter((k) => (ROW_FIELDS_V1 as readonly string[]).includes(k))).toEqual([
      ...ROW_FIELDS_V1,
    ]);
    // A row field v1 did not know must be one SPEC §8 announced (or the next dictionary version's).
    const known = new Set<string>([...ROW_FIELDS_V1, ...ANNOUNCED_ROW_FIELDS_V1]);
    expect(rowKeys.filter((k) => !known.has(k))).toEqual([]);
    const text = deflateDictionaryV1Text();
    for (const name of [...known, ...LIST_NAMES, ...SESSIONS, ...RVOL_STATES])
      expect(text, name).toContain(`"${name}"`);
  });

  it('lets a message deflated with it inflate back to the exact JSON text, smaller than without it', () => {
    const json = JSON.stringify({
      type: 'delta',
      list: 'momentum_up',
      epoch: 'e1',
      seq: 8,
      prevSeq: 7,
      ts: '2026-03-02T14:45:01.123Z',
      deltas: [
        { action: 'update', symbol: 'ABC', rank: 2, fields: { volumeToday: 1200, rvol: 3.25, score: 4.5 } },
      ],
    });
    const dictionary = deflateDictionaryV1();
    const packed = zlib.deflateRawSync(json, { dictionary });
    expect(zlib.inflateRawSync(packed, { dictionary }).toString('utf8')).toBe(json);
    expect(packed.length).toBeLessThan(zlib.deflateRawSync(json).length);
  });
});
