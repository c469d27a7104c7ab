import { describe, expect, it } from 'vitest';
import { rankMatches } from './search-match.js';

const candidates = [
  { symbol: 'AAPL', companyName: 'Apple Inc.', inList: 'winners' },
  { symbol: 'AA', companyName: 'Alcoa Corp' },
  { symbol: 'PAA', companyName: 'Plains All American Pipeline' },
  { symbol: 'AAL', companyName: 'American Airlines Group' },
  { symbol: 'AAPL', companyName: 'Apple Inc.' }, // again, from the API
];

describe('symbol search matching', () => {
  it('puts the exact symbol first, then symbol prefixes, then company names, each symbol once', () => {
    expect(rankMatches(candidates, 'aa', 10).map((m) => m.symbol)).toEqual(['AA', 'AAL', 'AAPL']);
    expect(rankMatches(candidates, 'american', 10).map((m) => m.symbol)).toEqual(['AAL', 'PAA']);
    // The live row (first) wins over the API's copy: it says which list the symbol is in.
    expect(rankMatches(candidates, 'apple', 10)).toEqual([candidates[0]]);
  });

  it('answers nothing for a blank query and keeps to the limit', () => {
    expect(rankMatches(candidates, '  ', 10)).toEqual([]);
    expect(rankMatches(candidates, 'a', 2)).toHaveLength(2);
  });
});
