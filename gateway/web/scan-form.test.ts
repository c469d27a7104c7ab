import { describe, expect, it } from 'vitest';
import { parseScan, SCAN_OPS } from '../../shared/scan/scan-definition.js';
import {
  emptyDraft,
  fromDefinition,
  idFromName,
  issueText,
  OPS,
  opsFor,
  placeIssues,
  toDefinition,
  type ScanDraft,
} from './scan-form.js';

const draft = (patch: Partial<ScanDraft>): ScanDraft => ({ ...emptyDraft(), ...patch });

describe('the scan form model', () => {
  it('offers the operators of the scan language, order comparisons only on numbers', () => {
    expect([...OPS]).toEqual([...SCAN_OPS]);
    expect(opsFor('changePercent')).toEqual(OPS);
    expect(opsFor('anomalyRvol')).toEqual(OPS);
    expect(opsFor('sector')).toEqual(['==', '!=', 'in', 'notIn', 'isNull', 'notNull']);
    expect(opsFor('isEtf')).toEqual(['==', '!=', 'in', 'notIn', 'isNull', 'notNull']);
  });

  it('turns what a trader typed into a definition the gateway accepts, ORed groups of ANDed conditions', () => {
    const def = toDefinition(
      draft({
        id: 'small-cap-runners',
        name: ' Small-cap runners ',
        where: [
          [
            { field: 'changePercent', op: '>=', value: '5' },
            { field: 'marketCap', op: '<', value: '2e9' },
            { field: 'sector', op: 'notIn', value: 'Financials, Energy' },
            { field: 'isEtf', op: '==', value: 'false' },
            { field: 'floatShares', op: 'notNull', value: 'ignored' },
          ],
          [{ field: 'anomalyRvol', op: '>=', value: ' 5 ' }],
          [],
        ],
        sortField: 'changePercent',
        sortDir: 'desc',
        limit: '25',
        sessions: ['MARKET_OPEN', 'PRE_MARKET'],
      }),
    );
    expect(def).toEqual({
      id: 'small-cap-runners',
      name: 'Small-cap runners',
      where: [
        [
          { field: 'changePercent', op: '>=', value: 5 },
          { field: 'marketCap', op: '<', value: 2e9 },
          { field: 'sector', op: 'notIn', value: ['Financials', 'Energy'] },
          { field: 'isEtf', op: '==', value: false },
          { field: 'floatShares', op: 'notNull' },
        ],
        [{ field: 'anomalyRvol', op: '>=', value: 5 }],
      ],
      sort: { field: 'changePercent', dir: 'desc' },
      limit: 25,
      sessions: ['PRE_MARKET', 'MARKET_OPEN'],
    });
    // The gateway's own schema accepts it as sent.
    expect(() => parseScan(def)).not.toThrow();
  });

  it('sends a value that is not a number as typed, so that the gateway names the mistake', () => {
    const def = toDefinition(
      draft({ id: 'x', where: [[{ field: 'price', op: '>=', value: 'ten' }]], limit: 'lots' }),
    );
    expect(def.where).toEqual([[{ field: 'price', op: '>=', value: 'ten' }]]);
    expect(def.limit).toBe('lots');
    expect(() => parseScan(def)).toThrow(/where\[0\]\[0\]\.value: ">=" on price needs a number/);
  });

  it('reads a stored definition back into the form, and the form gives the same definition again', () => {
    const stored = {
      id: 'gaps',
      name: 'Gaps',
      where: [
        [{ field: 'sector', op: 'in', value: ['Technology', 'Energy'] }],
        [{ field: 'rvol', op: '>', value: 3 }],
      ],
      sort: { field: 'gapAtOpen', dir: 'asc', abs: true },
      limit: 40,
      sessions: ['MARKET_OPEN'],
    };
    const d = fromDefinition(stored);
    expect(d.where[0]).toEqual([{ field: 'sector', op: 'in', value: 'Technology, Energy' }]);
    expect(d).toMatchObject({ sortField: 'gapAtOpen', sortDir: 'asc', sortAbs: true, limit: '40' });
    expect(toDefinition(d)).toEqual(stored);
  });

  it('makes an id from a name', () => {
    expect(idFromName('Small-cap runners!')).toBe('small-cap-runners');
    expect(idFromName('  Über   Gappers  ')).toBe('uber-gappers');
    expect(idFromName('***')).toBe('');
    expect(idFromName('x'.repeat(80))).toHaveLength(64);
  });

  it('places the gateway’s reasons on the conditions, groups and parts they name', () => {
    // REST gives a list; the WebSocket one message of `; `-joined reasons prefixed `scan.`.
    const rest = placeIssues([
      'where[1][0].field: unknown field "chnage5m"',
      'sort.field: cannot sort on sector: not a number',
    ]);
    const ws = placeIssues([
      'scan.where[0][1]: price >= 10 and price <= 1: no ticker can match; scan.limit: too big',
    ]);
    expect(rest.map((i) => i.place)).toEqual([
      { at: 'condition', group: 1, index: 0 },
      { at: 'form', part: 'sort' },
    ]);
    expect(ws.map((i) => i.place)).toEqual([
      { at: 'condition', group: 0, index: 1 },
      { at: 'form', part: 'limit' },
    ]);
    expect(
      placeIssues(['this token already holds 20 scans (SCANS_PER_TOKEN: …); remove one first'])[0]!.place,
    ).toEqual({
      at: 'form',
      part: 'form',
    });
    expect(issueText('where[1][0].field: unknown field "chnage5m"')).toBe('unknown field "chnage5m"');
  });
});
