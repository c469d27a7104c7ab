/*
 * SIC codes for the simulated universe's industries (shared/sim/names.ts), so that ticker details served by
 * the fake say what the vendor's would: a `sic_code` and an upper-case `sic_description`, and no sector. Each
 * code is chosen so that the product's SIC → sector table (jobs/sic-sectors.ts) gives back the industry's
 * simulated sector (sim-sic.test.ts proves it for every industry). Where the real SIC system has no exact
 * code for a simulated industry (solar, uranium, internet content), the closest code of the right sector is
 * used.
 */

/** [sic_code, sic_description] by simulated industry name. */
export const SIC_BY_INDUSTRY: Readonly<Record<string, readonly [string, string]>> = {
  Semiconductors: ['3674', 'SEMICONDUCTORS & RELATED DEVICES'],
  'Software—Application': ['7372', 'SERVICES-PREPACKAGED SOFTWARE'],
  'Software—Infrastructure': ['7373', 'SERVICES-COMPUTER INTEGRATED SYSTEMS DESIGN'],
  'Computer Hardware': ['3571', 'ELECTRONIC COMPUTERS'],
  'Electronic Components': ['3679', 'ELECTRONIC COMPONENTS, NEC'],
  Biotechnology: ['2836', 'BIOLOGICAL PRODUCTS, (NO DIAGNOSTIC SUBSTANCES)'],
  'Drug Manufacturers—Specialty & Generic': ['2834', 'PHARMACEUTICAL PREPARATIONS'],
  'Medical Devices': ['3841', 'SURGICAL & MEDICAL INSTRUMENTS & APPARATUS'],
  'Diagnostics & Research': ['8731', 'SERVICES-COMMERCIAL PHYSICAL & BIOLOGICAL RESEARCH'],
  'Health Information Services': ['8090', 'SERVICES-MISC HEALTH & ALLIED SERVICES, NEC'],
  'Banks—Regional': ['6022', 'STATE COMMERCIAL BANKS'],
  'Asset Management': ['6282', 'INVESTMENT ADVICE'],
  'Insurance—Property & Casualty': ['6331', 'FIRE, MARINE & CASUALTY INSURANCE'],
  'Capital Markets': ['6211', 'SECURITY BROKERS, DEALERS & FLOTATION COMPANIES'],
  'Credit Services': ['6141', 'PERSONAL CREDIT INSTITUTIONS'],
  'Specialty Retail': ['5940', 'RETAIL-MISCELLANEOUS SHOPPING GOODS STORES'],
  Restaurants: ['5812', 'RETAIL-EATING PLACES'],
  'Auto Parts': ['3714', 'MOTOR VEHICLE PARTS & ACCESSORIES'],
  'Internet Retail': ['5961', 'RETAIL-CATALOG & MAIL-ORDER HOUSES'],
  Leisure: ['7990', 'SERVICES-MISCELLANEOUS AMUSEMENT & RECREATION'],
  'Aerospace & Defense': ['3728', 'AIRCRAFT PARTS & AUXILIARY EQUIPMENT, NEC'],
  'Specialty Industrial Machinery': ['3560', 'GENERAL INDUSTRIAL MACHINERY & EQUIPMENT'],
  'Integrated Freight & Logistics': ['4731', 'ARRANGEMENT OF TRANSPORTATION OF FREIGHT & CARGO'],
  'Building Products & Equipment': ['3430', 'HEATING EQUIP, EXCEPT ELEC & WARM AIR; & PLUMBING FIXTURES'],
  'Engineering & Construction': ['1600', 'HEAVY CONSTRUCTION OTHER THAN BLDG CONST - CONTRACTORS'],
  'Oil & Gas E&P': ['1311', 'CRUDE PETROLEUM & NATURAL GAS'],
  'Oil & Gas Midstream': ['1389', 'OIL & GAS FIELD SERVICES, NEC'],
  Solar: ['2990', 'MISCELLANEOUS PRODUCTS OF PETROLEUM & COAL'],
  Uranium: ['1221', 'BITUMINOUS COAL & LIGNITE SURFACE MINING'],
  'Utilities—Regulated Electric': ['4911', 'ELECTRIC SERVICES'],
  'REIT—Industrial': ['6798', 'REAL ESTATE INVESTMENT TRUSTS'],
  'REIT—Residential': ['6513', 'OPERATORS OF APARTMENT BUILDINGS'],
  'REIT—Office': ['6512', 'OPERATORS OF NONRESIDENTIAL BUILDINGS'],
  Chemicals: ['2800', 'CHEMICALS & ALLIED PRODUCTS'],
  Gold: ['1040', 'GOLD AND SILVER ORES'],
  Steel: ['3312', 'STEEL WORKS, BLAST FURNACES & ROLLING MILLS (COKE OVENS)'],
  'Telecom Services': ['4813', 'TELEPHONE COMMUNICATIONS (NO RADIOTELEPHONE)'],
  Entertainment: ['7812', 'SERVICES-MOTION PICTURE & VIDEO TAPE PRODUCTION'],
  'Internet Content & Information': ['4899', 'COMMUNICATIONS SERVICES, NEC'],
  'Packaged Foods': ['2000', 'FOOD AND KINDRED PRODUCTS'],
  'Beverages—Non-Alcoholic': ['2086', 'BOTTLED & CANNED SOFT DRINKS & CARBONATED WATERS'],
  'Household & Personal Products': ['2844', 'PERFUMES, COSMETICS & OTHER TOILET PREPARATIONS'],
};
