/**
 * Reference data the simulated universe is drawn from: sectors and industries (Yahoo-style names, as the
 * metadata sources use), the words company names are made of, and ETF themes. Weights are rough shares of
 * the US-listed universe: healthcare (biotech) and financials are the big small-cap groups.
 */

export interface IndustryDef {
  readonly name: string;
  /** Words a company of this industry puts in its name ("Novaxa Therapeutics Inc."). */
  readonly words: readonly string[];
}

export interface SectorDef {
  readonly name: string;
  readonly weight: number;
  readonly industries: readonly IndustryDef[];
}

export const SECTORS: readonly SectorDef[] = [
  {
    name: 'Technology',
    weight: 14,
    industries: [
      { name: 'Semiconductors', words: ['Semiconductor', 'Micro', 'Silicon'] },
      { name: 'Software—Application', words: ['Software', 'Apps'] },
      { name: 'Software—Infrastructure', words: ['Systems', 'Cloud', 'Networks'] },
      { name: 'Computer Hardware', words: ['Devices', 'Computing'] },
      { name: 'Electronic Components', words: ['Electronics', 'Components'] },
    ],
  },
  {
    name: 'Healthcare',
    weight: 18,
    industries: [
      { name: 'Biotechnology', words: ['Therapeutics', 'Biosciences', 'Bio'] },
      { name: 'Drug Manufacturers—Specialty & Generic', words: ['Pharmaceuticals', 'Pharma'] },
      { name: 'Medical Devices', words: ['Medical', 'Surgical'] },
      { name: 'Diagnostics & Research', words: ['Diagnostics', 'Genomics'] },
      { name: 'Health Information Services', words: ['Health'] },
    ],
  },
  {
    name: 'Financial Services',
    weight: 15,
    industries: [
      { name: 'Banks—Regional', words: ['Bancorp', 'Bank', 'Financial'] },
      { name: 'Asset Management', words: ['Capital', 'Asset Management'] },
      { name: 'Insurance—Property & Casualty', words: ['Insurance', 'Assurance'] },
      { name: 'Capital Markets', words: ['Securities', 'Markets'] },
      { name: 'Credit Services', words: ['Credit', 'Lending'] },
    ],
  },
  {
    name: 'Consumer Cyclical',
    weight: 10,
    industries: [
      { name: 'Specialty Retail', words: ['Stores', 'Retail'] },
      { name: 'Restaurants', words: ['Restaurants', 'Kitchen'] },
      { name: 'Auto Parts', words: ['Automotive', 'Motors'] },
      { name: 'Internet Retail', words: ['Commerce', 'Online'] },
      { name: 'Leisure', words: ['Leisure', 'Entertainment'] },
    ],
  },
  {
    name: 'Industrials',
    weight: 11,
    industries: [
      { name: 'Aerospace & Defense', words: ['Aerospace', 'Defense'] },
      { name: 'Specialty Industrial Machinery', words: ['Machinery', 'Industries'] },
      { name: 'Integrated Freight & Logistics', words: ['Logistics', 'Freight'] },
      { name: 'Building Products & Equipment', words: ['Building Products'] },
      { name: 'Engineering & Construction', words: ['Construction', 'Engineering'] },
    ],
  },
  {
    name: 'Energy',
    weight: 5,
    industries: [
      { name: 'Oil & Gas E&P', words: ['Energy', 'Petroleum', 'Resources'] },
      { name: 'Oil & Gas Midstream', words: ['Midstream', 'Pipeline'] },
      { name: 'Solar', words: ['Solar'] },
      { name: 'Uranium', words: ['Uranium', 'Nuclear'] },
    ],
  },
  {
    name: 'Utilities',
    weight: 3,
    industries: [{ name: 'Utilities—Regulated Electric', words: ['Power', 'Electric', 'Utilities'] }],
  },
  {
    name: 'Real Estate',
    weight: 6,
    industries: [
      { name: 'REIT—Industrial', words: ['Realty', 'Properties'] },
      { name: 'REIT—Residential', words: ['Residential', 'Living'] },
      { name: 'REIT—Office', words: ['Office Properties'] },
    ],
  },
  {
    name: 'Basic Materials',
    weight: 5,
    industries: [
      { name: 'Chemicals', words: ['Chemicals', 'Materials'] },
      { name: 'Gold', words: ['Gold', 'Mining'] },
      { name: 'Steel', words: ['Steel'] },
    ],
  },
  {
    name: 'Communication Services',
    weight: 5,
    industries: [
      { name: 'Telecom Services', words: ['Telecom', 'Communications'] },
      { name: 'Entertainment', words: ['Media', 'Studios'] },
      { name: 'Internet Content & Information', words: ['Interactive', 'Digital'] },
    ],
  },
  {
    name: 'Consumer Defensive',
    weight: 4,
    industries: [
      { name: 'Packaged Foods', words: ['Foods', 'Brands'] },
      { name: 'Beverages—Non-Alcoholic', words: ['Beverage'] },
      { name: 'Household & Personal Products', words: ['Consumer Products'] },
    ],
  },
];

/** Syllables of invented company names: "Nov" + "ax" + "a" → "Novaxa". */
export const NAME_HEADS = [
  'Ar',
  'Bel',
  'Cor',
  'Dyn',
  'El',
  'Fal',
  'Gen',
  'Hal',
  'Ix',
  'Jun',
  'Kor',
  'Lum',
  'Mar',
  'Nov',
  'Or',
  'Pax',
  'Quan',
  'Ros',
  'Syn',
  'Tal',
  'Ul',
  'Ver',
  'Wex',
  'Xan',
  'Yor',
  'Zen',
  'Bri',
  'Cal',
  'Den',
  'Em',
] as const;
export const NAME_MIDDLES = ['', '', 'ax', 'er', 'il', 'om', 'ur', 'en', 'ar', 'ith', 'ov'] as const;
export const NAME_TAILS = ['a', 'ix', 'on', 'ex', 'ia', 'us', 'o', 'ara', 'is', 'ent', 'ora', 'eon'] as const;
/** Plain English first words, for the other naming style ("Blue Harbor Bancorp"). */
export const NAME_WORDS = [
  'Blue',
  'North',
  'Silver',
  'Summit',
  'Harbor',
  'Cedar',
  'Orion',
  'Atlas',
  'Granite',
  'Pioneer',
  'Crescent',
  'Lumen',
  'Red Rock',
  'Iron',
  'Evergreen',
  'Keystone',
  'Liberty',
  'Falcon',
  'Beacon',
  'Sterling',
] as const;
export const CORPORATE_SUFFIXES = ['Inc.', 'Corp.', 'Co.', 'Ltd.', 'Holdings', 'Group', 'plc'] as const;

export interface EtfTheme {
  readonly name: string;
  /** Beta to the market factor: bond and gold funds barely follow stocks. */
  readonly beta: readonly [number, number];
}

export const ETF_ISSUERS = ['Keystone', 'Northstar', 'Vantage', 'Summit', 'Harborview', 'Meridian'] as const;
export const ETF_THEMES: readonly EtfTheme[] = [
  { name: 'Total Market', beta: [0.95, 1.05] },
  { name: 'Large Cap 500', beta: [0.97, 1.03] },
  { name: 'Nasdaq Tech 100', beta: [1.1, 1.3] },
  { name: 'Small Cap 2000', beta: [1.1, 1.35] },
  { name: 'Semiconductor', beta: [1.3, 1.7] },
  { name: 'Biotech', beta: [0.9, 1.3] },
  { name: 'Regional Banks', beta: [1.0, 1.3] },
  { name: 'Energy Select', beta: [0.6, 1.0] },
  { name: 'Gold Miners', beta: [0.2, 0.6] },
  { name: '20+ Year Treasury', beta: [-0.3, 0.1] },
  { name: 'High Yield Bond', beta: [0.2, 0.4] },
  { name: 'Emerging Markets', beta: [0.7, 1.0] },
  { name: 'Dividend Growth', beta: [0.7, 0.9] },
  { name: 'Clean Energy', beta: [1.2, 1.6] },
  { name: 'Real Estate', beta: [0.8, 1.1] },
  { name: 'Cybersecurity', beta: [1.1, 1.4] },
  { name: '2x Leveraged Large Cap', beta: [1.9, 2.1] },
  { name: '3x Leveraged Semiconductor', beta: [3.8, 4.6] },
];
