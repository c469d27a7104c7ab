import { describe, expect, it } from 'vitest';
import { scanRow } from '../../test/utils/scan-row.js';
import { deltaMessageSchema, snapshotMessageSchema } from './messages.js';

const ADDED = [
  'change1m',
  'change5m',
  'change15m',
  'volume5m',
  'rangePosition',
  'vwap',
  'priceFromVwap',
  'spreadPercent',
] as const;

describe('row schema across an upgrade', () => {
  it('reads a row stored before the short-window fields existed, with those fields null', () => {
    const stored: Record<string, unknown> = { ...scanRow('ABC', 1, { change1m: 3 }) };
    for (const f of ADDED) delete stored[f];
    const msg = snapshotMessageSchema.parse({
      type: 'snapshot',
      list: 'gappers_up',
      epoch: 'e1',
      seq: 41,
      prevSeq: 40,
      ts: '2026-03-02T15:00:00.000Z',
      rows: [stored],
    });
    expect(msg.rows[0]).toEqual(scanRow('ABC', 1));
  });

  it('adds no field to an update: an absent field there means unchanged, not null', () => {
    const msg = deltaMessageSchema.parse({
      type: 'delta',
      list: 'gappers_up',
      epoch: 'e1',
      seq: 42,
      prevSeq: 41,
      ts: '2026-03-02T15:00:01.000Z',
      deltas: [{ action: 'update', symbol: 'ABC', rank: 1, fields: { price: 11 } }],
    });
    expect(msg.deltas[0]).toEqual({ action: 'update', symbol: 'ABC', rank: 1, fields: { price: 11 } });
  });
});
