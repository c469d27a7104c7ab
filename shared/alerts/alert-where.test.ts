import { describe, expect, it } from 'vitest';
import type { AlertMessage } from '../protocol/alert-messages.js';
import { InvalidScanError } from '../scan/scan-definition.js';
import { scanRow } from '../../test/utils/scan-row.js';
import { alertMatches, parseAlertWhere } from './alert-where.js';

const alert = (symbol: string, row: Parameters<typeof scanRow>[2]): AlertMessage => ({
  type: 'alert',
  epoch: 'e',
  seq: 1,
  ts: '2026-03-02T14:31:00.000Z',
  kind: 'running_up',
  symbol,
  price: 10,
  value: 2,
  description: 'Up 2.0 % in 1 min',
  list: null,
  row: scanRow(symbol, 1, row),
});

describe("a client's where on the alerts stream", () => {
  const small = alert('SMAL', {
    marketCap: 5e8,
    sector: 'Technology',
    changePercent: 6,
    rvol: 1,
    rvolSlot: null,
  });
  const big = alert('BIGG', { marketCap: 5e10, sector: 'Energy', changePercent: 1, rvol: 4, rvolSlot: 7 });
  const bare = alert('BARE', { marketCap: null, sector: null, changePercent: null });

  it('passes only the alerts whose row matches one of its groups', () => {
    const where = parseAlertWhere([
      [
        { field: 'marketCap', op: '<', value: 2e9 },
        { field: 'changePercent', op: '>=', value: 5 },
      ],
      [{ field: 'anomalyRvol', op: '>=', value: 5 }],
    ]);
    expect([small, big, bare].filter((a) => alertMatches(where, a)).map((a) => a.symbol)).toEqual([
      'SMAL',
      'BIGG',
    ]);
  });

  it('fails a condition on a null value, except isNull', () => {
    const notEnergy = parseAlertWhere([[{ field: 'sector', op: '!=', value: 'Energy' }]]);
    expect([small, big, bare].filter((a) => alertMatches(notEnergy, a)).map((a) => a.symbol)).toEqual([
      'SMAL',
    ]);
    const noSector = parseAlertWhere([[{ field: 'sector', op: 'isNull' }]]);
    expect([small, big, bare].filter((a) => alertMatches(noSector, a)).map((a) => a.symbol)).toEqual([
      'BARE',
    ]);
    const sectors = parseAlertWhere([[{ field: 'sector', op: 'in', value: ['Energy', 'Utilities'] }]]);
    expect([small, big, bare].filter((a) => alertMatches(sectors, a)).map((a) => a.symbol)).toEqual(['BIGG']);
  });

  it('matches every alert without a where', () => {
    expect(alertMatches(parseAlertWhere(undefined), bare)).toBe(true);
    expect(alertMatches(parseAlertWhere([]), bare)).toBe(true);
  });

  it("refuses what a scan's where refuses, and fields an alert's row does not carry, naming the place", () => {
    const refused = (where: unknown) => {
      try {
        parseAlertWhere(where);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidScanError);
        return (e as InvalidScanError).issues;
      }
      throw new Error('accepted');
    };
    expect(refused([[{ field: 'chnage5m', op: '>=', value: 1 }]])).toEqual([
      'where[0][0].field: unknown field "chnage5m"',
    ]);
    expect(refused([[{ field: 'sector', op: '>=', value: 'A' }]])[0]).toMatch(/does not apply to sector/);
    expect(refused([[{ field: 'beta', op: '>=', value: 1 }]])).toEqual([
      "where[0][0].field: beta is not in an alert's row (SPEC §8 row fields only)",
    ]);
    expect(refused('everything')[0]).toMatch(/^where/);
  });
});
