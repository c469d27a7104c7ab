/*
 * Sector of a company from its SIC code (the vendor's ticker details carry `sic_code`, e.g. "3571", and
 * no sector). The names are the 11 sectors traders know from Yahoo Finance / Morningstar, the same
 * vocabulary as samples/metadata.json, so a `sectors` filter reads the same on sample and live data.
 *
 * SIC is an industry (what a plant makes) classification and the sectors are a market one, so the map
 * is a table of 4-digit code ranges, first match wins: specific carve-outs first (software is a business
 * service in SIC, drug makers are chemical manufacturers, biotech research is an engineering service),
 * then the SIC major groups, then the divisions. The table, in documentation order:
 *
 * | SIC codes            | SIC meaning                                   | sector                  |
 * |----------------------|-----------------------------------------------|-------------------------|
 * | 0100–0999            | agriculture, forestry, fishing                | Consumer Defensive      |
 * | 1000–1099, 1400–1499 | metal mining, nonmetallic minerals            | Basic Materials         |
 * | 1200–1399            | coal, oil and gas extraction and services     | Energy                  |
 * | 1500–1799            | construction                                  | Industrials             |
 * | 2000–2199            | food, beverages, tobacco                      | Consumer Defensive      |
 * | 2200–2399, 2500–2599 | textiles, apparel, furniture                  | Consumer Cyclical       |
 * | 2400–2499, 2600–2699 | lumber, paper                                 | Basic Materials         |
 * | 2700–2799            | printing and publishing                       | Communication Services  |
 * | 2830–2839            | drugs, biologicals, diagnostics               | Healthcare              |
 * | 2840–2849            | soaps, cleaners, cosmetics                    | Consumer Defensive      |
 * | 2800–2899 (rest)     | chemicals                                     | Basic Materials         |
 * | 2900–2999            | petroleum refining                            | Energy                  |
 * | 3000–3099, 3200–3399 | rubber, plastics, glass, cement, metals       | Basic Materials         |
 * | 3100–3199            | leather                                       | Consumer Cyclical       |
 * | 3570–3579            | computers, office equipment                   | Technology              |
 * | 3400–3599 (rest)     | fabricated metal, industrial machinery        | Industrials             |
 * | 3600–3699            | electronic equipment, semiconductors          | Technology              |
 * | 3710–3716, 3750–3799 | motor vehicles, motorcycles, boats, RVs       | Consumer Cyclical       |
 * | 3700–3799 (rest)     | aircraft, ships, railroad, defence            | Industrials             |
 * | 3840–3851            | medical instruments and supplies              | Healthcare              |
 * | 3800–3899 (rest)     | measuring, optical, photographic instruments  | Technology              |
 * | 3900–3999            | jewelry, toys, sporting goods                 | Consumer Cyclical       |
 * | 4000–4799            | transportation                                | Industrials             |
 * | 4800–4899            | communications                                | Communication Services  |
 * | 4900–4999            | electric, gas, water, sanitary                | Utilities               |
 * | 5120–5129            | wholesale drugs                               | Healthcare              |
 * | 5140–5159            | wholesale groceries, farm products            | Consumer Defensive      |
 * | 5000–5199 (rest)     | wholesale trade                               | Industrials             |
 * | 5400–5499, 5912      | food stores, drug stores                      | Consumer Defensive      |
 * | 5200–5999 (rest)     | retail trade                                  | Consumer Cyclical       |
 * | 6500–6599, 6798      | real estate, REITs                            | Real Estate             |
 * | 6000–6799 (rest)     | banks, brokers, insurance, holding, SPACs     | Financial Services      |
 * | 7370–7379            | computer programming, software, data          | Technology              |
 * | 7800–7899            | motion pictures                               | Communication Services  |
 * | 7000–7299, 7500–7999 | hotels, personal services, repair, amusement  | Consumer Cyclical       |
 * | 7300–7399 (rest)     | business services (staffing, ads, rental)     | Industrials             |
 * | 8000–8099            | health services                               | Healthcare              |
 * | 8731                 | commercial physical and biological research   | Healthcare              |
 * | 8200–8299            | education                                     | Consumer Defensive      |
 * | 8000–8999 (rest)     | engineering, legal, management services       | Industrials             |
 * | 9100–9999            | public administration, nonclassifiable        | — (null)                |
 */

export const SECTORS = [
  'Basic Materials',
  'Communication Services',
  'Consumer Cyclical',
  'Consumer Defensive',
  'Energy',
  'Financial Services',
  'Healthcare',
  'Industrials',
  'Real Estate',
  'Technology',
  'Utilities',
] as const;
export type Sector = (typeof SECTORS)[number];

/** [first code, last code, sector], inclusive; the first range containing the code wins. */
const SIC_RANGES: ReadonlyArray<readonly [number, number, Sector]> = [
  // carve-outs inside larger groups
  [2830, 2839, 'Healthcare'],
  [2840, 2849, 'Consumer Defensive'],
  [3570, 3579, 'Technology'],
  [3710, 3716, 'Consumer Cyclical'],
  [3750, 3799, 'Consumer Cyclical'],
  [3840, 3851, 'Healthcare'],
  [5120, 5129, 'Healthcare'],
  [5140, 5159, 'Consumer Defensive'],
  [5912, 5912, 'Consumer Defensive'],
  [6798, 6798, 'Real Estate'],
  [7370, 7379, 'Technology'],
  [8731, 8731, 'Healthcare'],
  // major groups
  [100, 999, 'Consumer Defensive'],
  [1000, 1099, 'Basic Materials'],
  [1200, 1399, 'Energy'],
  [1400, 1499, 'Basic Materials'],
  [1500, 1799, 'Industrials'],
  [2000, 2199, 'Consumer Defensive'],
  [2200, 2399, 'Consumer Cyclical'],
  [2400, 2499, 'Basic Materials'],
  [2500, 2599, 'Consumer Cyclical'],
  [2600, 2699, 'Basic Materials'],
  [2700, 2799, 'Communication Services'],
  [2800, 2899, 'Basic Materials'],
  [2900, 2999, 'Energy'],
  [3000, 3099, 'Basic Materials'],
  [3100, 3199, 'Consumer Cyclical'],
  [3200, 3399, 'Basic Materials'],
  [3400, 3599, 'Industrials'],
  [3600, 3699, 'Technology'],
  [3700, 3799, 'Industrials'],
  [3800, 3899, 'Technology'],
  [3900, 3999, 'Consumer Cyclical'],
  [4000, 4799, 'Industrials'],
  [4800, 4899, 'Communication Services'],
  [4900, 4999, 'Utilities'],
  [5000, 5199, 'Industrials'],
  [5400, 5499, 'Consumer Defensive'],
  [5200, 5999, 'Consumer Cyclical'],
  [6500, 6599, 'Real Estate'],
  [6000, 6799, 'Financial Services'],
  [7800, 7899, 'Communication Services'],
  [7300, 7399, 'Industrials'],
  [7000, 7999, 'Consumer Cyclical'],
  [8000, 8099, 'Healthcare'],
  [8200, 8299, 'Consumer Defensive'],
  [8000, 8999, 'Industrials'],
];

/** The sector of a SIC code ("3571" or 3571); null when the code is missing, malformed or unmapped. */
export function sectorFromSic(code: string | number | null | undefined): Sector | null {
  if (code === null || code === undefined) return null;
  const text = String(code).trim();
  if (!/^\d{3,4}$/.test(text)) return null;
  const n = Number(text);
  for (const [first, last, sector] of SIC_RANGES) if (n >= first && n <= last) return sector;
  return null;
}

/**
 * The vendor's SIC description as an industry label: "SERVICES-PREPACKAGED SOFTWARE" → "Services-Prepackaged
 * Software". The vendor sends it upper case; the lists show it next to mixed-case company names.
 */
export function industryFromSicDescription(description: string | null | undefined): string | null {
  const text = description?.trim().replace(/\s+/g, ' ');
  if (text === undefined || text === '') return null;
  return text
    .toLowerCase()
    .replace(/(^|[^a-z'])([a-z])/g, (_, pre: string, c: string) => pre + c.toUpperCase());
}
