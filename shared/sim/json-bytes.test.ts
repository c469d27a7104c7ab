import { describe, expect, it } from 'vitest';
import { JsonBytes } from './json-bytes.js';

describe('JsonBytes', () => {
  it('returns what was appended, over a buffer of exactly that size, however small the first guess', () => {
    for (const guess of [0, 10, 5_000, 1_000_000]) {
      const out = new JsonBytes(guess);
      const parts: string[] = [];
      for (let i = 0; i < 2_000; i++) {
        const part = `{"i":${i},"s":"${'x'.repeat(i % 37)}","é":"ü€"}`;
        parts.push(part);
        out.append(part);
      }
      const bytes = out.finish();
      const text = parts.join('');
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.byteLength).toBe(Buffer.byteLength(text));
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
      expect(Buffer.from(bytes).toString('utf8')).toBe(text);
    }
  });

  it('gives bytes that move to another thread whole (transferred, not copied)', () => {
    const out = new JsonBytes(100);
    out.append('{"status":"OK"}');
    const bytes = out.finish();
    const moved = structuredClone(bytes, { transfer: [bytes.buffer] });
    expect(bytes.byteLength).toBe(0); // detached here
    expect(Buffer.from(moved).toString('utf8')).toBe('{"status":"OK"}');
  });
});
